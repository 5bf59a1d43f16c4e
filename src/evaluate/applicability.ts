import { appliesToList, type AppliesTo, type Requirement } from '../controls/schema.js';
import type { EntityConfig } from '../config/schema.js';

/** The entity declaration field that says whether a requirement limited to this entity type applies. */
export const APPLIES_TO_FIELD: Readonly<Record<AppliesTo, keyof EntityConfig>> = {
  'service-provider': 'serviceProvider',
  'multi-tenant-service-provider': 'multiTenantServiceProvider',
  'designated-entity': 'designatedEntity',
  issuer: 'issuer',
  'pos-poi-ssl-early-tls': 'posPoiSslEarlyTls',
  'pos-poi-ssl-early-tls-connection-points': 'posPoiSslEarlyTlsConnectionPoints',
};

/** Who a requirement limited to this entity type applies to, as the report says it. */
export const APPLIES_TO_WHO: Readonly<Record<AppliesTo, { plural: string; one: string }>> = {
  'service-provider': { plural: 'service providers', one: 'a service provider' },
  'multi-tenant-service-provider': { plural: 'multi-tenant service providers', one: 'a multi-tenant service provider' },
  'designated-entity': { plural: 'designated entities (entities a payment brand or acquirer designated for supplemental validation)', one: 'a designated entity' },
  issuer: { plural: 'issuers and companies that support issuing services', one: 'an issuer or a company that supports issuing services' },
  'pos-poi-ssl-early-tls': { plural: 'entities whose card-present POS POI terminals use SSL or early TLS', one: 'one with card-present POS POI terminals that use SSL or early TLS' },
  'pos-poi-ssl-early-tls-connection-points': {
    plural: 'entities with existing connection points to POS POI terminals that use SSL or early TLS',
    one: 'one with existing connection points to POS POI terminals that use SSL or early TLS',
  },
};

/** Entity types whose declaration field may be left out (added after the others): the note then says when it applies. */
const OPTIONAL_FIELD: ReadonlySet<AppliesTo> = new Set<AppliesTo>(['issuer', 'pos-poi-ssl-early-tls', 'pos-poi-ssl-early-tls-connection-points']);

export interface Applicability {
  /** `true`/`false`: the declared entity is (not) of the type; `undeclared`: no entity declaration for the framework, or none of this type. */
  applies: boolean | 'undeclared';
  /** One sentence saying so, naming the configuration field. */
  note: string;
}

/**
 * Whether a requirement limited to an entity type (or to an entity of every type a list names) applies to the declared
 * entity; undefined for a requirement of every entity.
 */
export function applicability(framework: string, req: Pick<Requirement, 'appliesTo'>, entity: Readonly<Record<string, EntityConfig>> | undefined): Applicability | undefined {
  const types = appliesToList(req);
  if (types.length === 0) return undefined;
  if (types.length === 1) return oneType(framework, types[0], entity);
  return allTypes(framework, types, entity);
}

function oneType(framework: string, type: AppliesTo, entity: Readonly<Record<string, EntityConfig>> | undefined): Applicability {
  const who = APPLIES_TO_WHO[type];
  const field = APPLIES_TO_FIELD[type];
  const declared = entity?.[framework];
  if (!declared) {
    const when = OPTIONAL_FIELD.has(type) ? `, so it applies if the entity is ${who.one} (config entity.${framework}.${field})` : '';
    return { applies: 'undeclared', note: `applies only to ${who.plural}; the entity type is not declared (config entity.${framework})${when}: the assessor confirms applicability` };
  }
  if (declared[field] === undefined) {
    return { applies: 'undeclared', note: `applies only to ${who.plural}; it applies if the entity is ${who.one}, which the entity's declaration does not say (config entity.${framework}.${field} not set): the assessor confirms applicability` };
  }
  return declared[field]
    ? { applies: true, note: `applies only to ${who.plural}; the entity declared it is ${who.one} (config entity.${framework}.${field}: true)` }
    : { applies: false, note: `applies only to ${who.plural}; the entity declared it is not one (config entity.${framework}.${field}: false): proposed not applicable, assessor to confirm` };
}

/** Every fact must hold: one declared false makes the requirement not applicable; one not declared leaves it to the assessor. */
function allTypes(framework: string, types: readonly AppliesTo[], entity: Readonly<Record<string, EntityConfig>> | undefined): Applicability {
  const whom = `applies only to an entity that is ${types.map((t) => APPLIES_TO_WHO[t].one).join(' and ')} (all must hold)`;
  const field = (t: AppliesTo) => `entity.${framework}.${APPLIES_TO_FIELD[t]}`;
  const declared = entity?.[framework];
  if (!declared) return { applies: 'undeclared', note: `${whom}; the entity type is not declared (config entity.${framework}): the assessor confirms applicability` };
  const value = (t: AppliesTo) => declared[APPLIES_TO_FIELD[t]];
  const no = types.filter((t) => value(t) === false);
  if (no.length) {
    return { applies: false, note: `${whom}; the entity declared it is not ${no.map((t) => `${APPLIES_TO_WHO[t].one} (config ${field(t)}: false)`).join(' nor ')}: proposed not applicable, assessor to confirm` };
  }
  const open = types.filter((t) => value(t) === undefined);
  const yes = types.filter((t) => value(t) === true);
  const isSaid = yes.length ? `the entity declared it is ${yes.map((t) => `${APPLIES_TO_WHO[t].one} (config ${field(t)}: true)`).join(' and ')}` : '';
  if (open.length) {
    const notSaid = `whether it is ${open.map((t) => APPLIES_TO_WHO[t].one).join(' and ')} the entity's declaration does not say (config ${open.map(field).join(', ')} not set)`;
    return { applies: 'undeclared', note: `${whom}; ${isSaid ? `${isSaid}, but ` : ''}${notSaid}: the assessor confirms applicability` };
  }
  return { applies: true, note: `${whom}; ${isSaid}` };
}

/**
 * The report's sentence on the declared entity type of a framework, or that it was not declared. `types`: the entity
 * types the framework's catalog limits requirements to (absent: all); an issuer or POS POI declaration left out is
 * mentioned only when the catalog has such a requirement.
 */
export function entityStatement(framework: string, entity: Readonly<Record<string, EntityConfig>> | undefined, types?: readonly AppliesTo[]): string {
  const e = entity?.[framework];
  if (!e) {
    return `not declared (config entity.${framework}): requirements only for service providers, multi-tenant service providers (Appendix A1), designated entities (Appendix A3), issuers (3.3.3), entities whose POS POI terminals use SSL or early TLS (A2.1.1) or service providers with connection points to such terminals (A2.1.2) need review, with what their checks found`;
  }
  // Left out of an older declaration: said, with the requirement that then applies if the entity is of that type.
  const optional = (type: AppliesTo, v: boolean | undefined, yes: string, no: string, req: string) => {
    if (v === undefined && types && !types.includes(type)) return [];
    return [v === undefined ? `config entity.${framework}.${APPLIES_TO_FIELD[type]} not set: ${req} applies if the entity is ${APPLIES_TO_WHO[type].one}` : v ? yes : no];
  };
  const kinds = [
    e.serviceProvider ? (e.multiTenantServiceProvider ? 'a multi-tenant service provider' : 'a service provider, not multi-tenant') : 'not a service provider',
    e.designatedEntity ? 'a designated entity' : 'not a designated entity',
    ...optional('issuer', e.issuer, 'an issuer or a company that supports issuing services', 'not an issuer', '3.3.3'),
    ...optional('pos-poi-ssl-early-tls', e.posPoiSslEarlyTls, 'card-present POS POI terminals that use SSL or early TLS', 'no POS POI terminals that use SSL or early TLS', 'A2.1.1'),
    // A2.1.2 is a service provider's: for an entity declared not one, the field left out says nothing worth printing.
    ...(e.posPoiSslEarlyTlsConnectionPoints === undefined && !e.serviceProvider ? [] : optional(
      'pos-poi-ssl-early-tls-connection-points',
      e.posPoiSslEarlyTlsConnectionPoints,
      'existing connection points to POS POI terminals that use SSL or early TLS',
      'no connection points to POS POI terminals that use SSL or early TLS',
      'A2.1.2 (for a service provider)',
    )),
  ];
  return `declared by the entity (config entity.${framework}): ${kinds.join('; ')}. Requirements only for other entity types: proposed not applicable, assessor to confirm`;
}

/** The cover's few words on the entity type (the method section and summary.json say it in full, with the config field). */
export function entityCoverText(e: EntityConfig | undefined): string {
  if (!e) return 'entity type not declared';
  const sp = e.serviceProvider ? (e.multiTenantServiceProvider ? 'multi-tenant service provider' : 'a service provider') : 'not a service provider';
  const more = [e.issuer ? 'issuer' : '', e.posPoiSslEarlyTls ? 'POS POI on SSL/early TLS' : '', e.posPoiSslEarlyTlsConnectionPoints ? 'POS POI connections on SSL/early TLS' : ''].filter(Boolean);
  return `${sp}, ${e.designatedEntity ? 'designated' : 'not designated'}${more.map((m) => `, ${m}`).join('')}`;
}
