import type { AppliesTo, Requirement } from '../controls/schema.js';
import type { EntityConfig } from '../config/schema.js';

/** The entity declaration field that says whether a requirement limited to this entity type applies. */
export const APPLIES_TO_FIELD: Readonly<Record<AppliesTo, keyof EntityConfig>> = {
  'service-provider': 'serviceProvider',
  'multi-tenant-service-provider': 'multiTenantServiceProvider',
  'designated-entity': 'designatedEntity',
};

/** Who a requirement limited to this entity type applies to, as the report says it. */
export const APPLIES_TO_WHO: Readonly<Record<AppliesTo, { plural: string; one: string }>> = {
  'service-provider': { plural: 'service providers', one: 'a service provider' },
  'multi-tenant-service-provider': { plural: 'multi-tenant service providers', one: 'a multi-tenant service provider' },
  'designated-entity': { plural: 'designated entities (entities a payment brand or acquirer designated for supplemental validation)', one: 'a designated entity' },
};

export interface Applicability {
  /** `true`/`false`: the declared entity is (not) of the type; `undeclared`: no entity declaration for the framework. */
  applies: boolean | 'undeclared';
  /** One sentence saying so, naming the configuration field. */
  note: string;
}

/** Whether a requirement limited to an entity type applies to the declared entity; undefined for a requirement of every entity. */
export function applicability(framework: string, req: Pick<Requirement, 'appliesTo'>, entity: Readonly<Record<string, EntityConfig>> | undefined): Applicability | undefined {
  if (!req.appliesTo) return undefined;
  const who = APPLIES_TO_WHO[req.appliesTo];
  const field = APPLIES_TO_FIELD[req.appliesTo];
  const declared = entity?.[framework];
  if (!declared) {
    return { applies: 'undeclared', note: `applies only to ${who.plural}; the entity type is not declared (config entity.${framework}): the assessor confirms applicability` };
  }
  return declared[field]
    ? { applies: true, note: `applies only to ${who.plural}; the entity declared it is ${who.one} (config entity.${framework}.${field}: true)` }
    : { applies: false, note: `applies only to ${who.plural}; the entity declared it is not one (config entity.${framework}.${field}: false): proposed not applicable, assessor to confirm` };
}

/** The report's sentence on the declared entity type of a framework, or that it was not declared. */
export function entityStatement(framework: string, entity: Readonly<Record<string, EntityConfig>> | undefined): string {
  const e = entity?.[framework];
  if (!e) {
    return `not declared (config entity.${framework}): requirements only for service providers, multi-tenant service providers (Appendix A1) or designated entities (Appendix A3) need review, with what their checks found`;
  }
  const kinds = [e.serviceProvider ? (e.multiTenantServiceProvider ? 'a multi-tenant service provider' : 'a service provider, not multi-tenant') : 'not a service provider', e.designatedEntity ? 'a designated entity' : 'not a designated entity'];
  return `declared by the entity (config entity.${framework}): ${kinds.join('; ')}. Requirements only for other entity types: proposed not applicable, assessor to confirm`;
}

/** The cover's few words on the entity type (the method section and summary.json say it in full, with the config field). */
export function entityCoverText(e: EntityConfig | undefined): string {
  if (!e) return 'entity type not declared';
  const sp = e.serviceProvider ? (e.multiTenantServiceProvider ? 'multi-tenant service provider' : 'a service provider') : 'not a service provider';
  return `${sp}, ${e.designatedEntity ? 'designated' : 'not designated'}`;
}
