import { appliesToList, type AppliesTo, type Requirement } from '../controls/schema.js';
import type { EntityConfig } from '../config/schema.js';

/** The yes/no fields of an entity declaration. */
export type EntityFact = { [K in keyof EntityConfig]-?: NonNullable<EntityConfig[K]> extends boolean ? K : never }[keyof EntityConfig];

/** The entity declaration field that says whether a requirement limited to this entity type applies. */
export const APPLIES_TO_FIELD: Readonly<Record<AppliesTo, EntityFact>> = {
  'service-provider': 'serviceProvider',
  'multi-tenant-service-provider': 'multiTenantServiceProvider',
  'designated-entity': 'designatedEntity',
  issuer: 'issuer',
  'pos-poi-ssl-early-tls': 'posPoiSslEarlyTls',
  'pos-poi-ssl-early-tls-connection-points': 'posPoiSslEarlyTlsConnectionPoints',
  'pos-poi-terminal-connections': 'posPoiTerminalConnections',
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
  'pos-poi-terminal-connections': {
    plural: 'entities that provide connections into card-present POS POI terminals',
    one: 'one that provides connections into card-present POS POI terminals',
  },
};

/** Entity types whose declaration field may be left out (added after the others): the note then says when it applies. */
const OPTIONAL_FIELD: ReadonlySet<AppliesTo> = new Set<AppliesTo>(['issuer', 'pos-poi-ssl-early-tls', 'pos-poi-ssl-early-tls-connection-points', 'pos-poi-terminal-connections']);

/** One fact of a declaration: its value (undefined: not said) and the configuration that says it, as a reason names it. */
interface DeclaredFact {
  value: boolean | undefined;
  said: string;
}

/**
 * A fact as the declaration gives it: its own field, else a declaration that implies it (an issuing business need to
 * keep sensitive authentication data is an issuer's; connection points to POS POI terminals on SSL or early TLS are
 * connections into POS POI terminals). The schema refuses a field that contradicts what implies it.
 */
function declaredFact(framework: string, e: EntityConfig, type: AppliesTo): DeclaredFact {
  const field = APPLIES_TO_FIELD[type];
  const own = e[field];
  if (own !== undefined) return { value: own, said: `config entity.${framework}.${field}: ${own}` };
  if (type === 'issuer' && e.issuerWithBusinessNeed) {
    return { value: true, said: `config entity.${framework}.issuerWithBusinessNeed: an issuing business need to keep sensitive authentication data` };
  }
  if (type === 'pos-poi-terminal-connections' && e.posPoiSslEarlyTlsConnectionPoints === true) {
    return { value: true, said: `config entity.${framework}.posPoiSslEarlyTlsConnectionPoints: true, connections into POS POI terminals` };
  }
  return { value: undefined, said: `config entity.${framework}.${field} not set` };
}

/**
 * What the assessor must see when the entity declares an issuing business need to keep sensitive authentication data
 * (PCI DSS 3.3.1's note, 3.3.3), naming the document; undefined without that declaration.
 */
export function issuingBusinessNeedText(framework: string, e: EntityConfig | undefined): string | undefined {
  const doc = e?.issuerWithBusinessNeed?.justificationDocument;
  if (!doc) return undefined;
  return `the entity declares it keeps sensitive authentication data for a legitimate, documented issuing business need (config entity.${framework}.issuerWithBusinessNeed.justificationDocument: "${doc}")`;
}

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
  const fact = declaredFact(framework, declared, type);
  if (fact.value === undefined) {
    return { applies: 'undeclared', note: `applies only to ${who.plural}; it applies if the entity is ${who.one}, which the entity's declaration does not say (${fact.said}): the assessor confirms applicability` };
  }
  if (!fact.value) return { applies: false, note: `applies only to ${who.plural}; the entity declared it is not one (${fact.said}): proposed not applicable, assessor to confirm` };
  // An issuer keeping sensitive authentication data: 3.3.3's procedures examine that need and how the data is secured.
  const need = type === 'issuer' ? issuingBusinessNeedText(framework, declared) : undefined;
  const more = need ? `; ${need}: the assessor examines that document for the business justification (3.3.3.a) and how the data it covers is secured and encrypted (3.3.3.b)` : '';
  return { applies: true, note: `applies only to ${who.plural}; the entity declared it is ${who.one} (${fact.said})${more}` };
}

/** Every fact must hold: one declared false makes the requirement not applicable; one not declared leaves it to the assessor. */
function allTypes(framework: string, types: readonly AppliesTo[], entity: Readonly<Record<string, EntityConfig>> | undefined): Applicability {
  const whom = `applies only to an entity that is ${types.map((t) => APPLIES_TO_WHO[t].one).join(' and ')} (all must hold)`;
  const field = (t: AppliesTo) => `entity.${framework}.${APPLIES_TO_FIELD[t]}`;
  const declared = entity?.[framework];
  if (!declared) return { applies: 'undeclared', note: `${whom}; the entity type is not declared (config entity.${framework}): the assessor confirms applicability` };
  const fact = (t: AppliesTo) => declaredFact(framework, declared, t);
  const no = types.filter((t) => fact(t).value === false);
  if (no.length) {
    return { applies: false, note: `${whom}; the entity declared it is not ${no.map((t) => `${APPLIES_TO_WHO[t].one} (${fact(t).said})`).join(' nor ')}: proposed not applicable, assessor to confirm` };
  }
  const open = types.filter((t) => fact(t).value === undefined);
  const yes = types.filter((t) => fact(t).value === true);
  const isSaid = yes.length ? `the entity declared it is ${yes.map((t) => `${APPLIES_TO_WHO[t].one} (${fact(t).said})`).join(' and ')}` : '';
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
    return `not declared (config entity.${framework}): requirements only for service providers, multi-tenant service providers (Appendix A1), designated entities (Appendix A3), issuers (3.3.3), entities whose POS POI terminals use SSL or early TLS (A2.1.1), service providers with connection points to such terminals (A2.1.2) or providing connections into POS POI terminals (A2.1.3) need review, with what their checks found; sensitive authentication data found stored fails (no issuing business need is declared)`;
  }
  // Left out of an older declaration: said, with the requirement that then applies if the entity is of that type.
  const optional = (type: AppliesTo, v: boolean | undefined, yes: string, no: string, req: string) => {
    if (v === undefined && types && !types.includes(type)) return [];
    return [v === undefined ? `config entity.${framework}.${APPLIES_TO_FIELD[type]} not set: ${req} applies if the entity is ${APPLIES_TO_WHO[type].one}` : v ? yes : no];
  };
  const kinds = [
    e.serviceProvider ? (e.multiTenantServiceProvider ? 'a multi-tenant service provider' : 'a service provider, not multi-tenant') : 'not a service provider',
    e.designatedEntity ? 'a designated entity' : 'not a designated entity',
    ...optional('issuer', declaredFact(framework, e, 'issuer').value, 'an issuer or a company that supports issuing services', 'not an issuer', '3.3.3'),
    // The issuer exemption of 3.3.1: said with the document, and what it does to the results.
    ...(e.issuerWithBusinessNeed
      ? [`keeps sensitive authentication data for a legitimate, documented issuing business need (config entity.${framework}.issuerWithBusinessNeed.justificationDocument: "${e.issuerWithBusinessNeed.justificationDocument}"): such data found stored needs review against that document instead of failing, and 3.3.3 applies`]
      : []),
    ...optional('pos-poi-ssl-early-tls', e.posPoiSslEarlyTls, 'card-present POS POI terminals that use SSL or early TLS', 'no POS POI terminals that use SSL or early TLS', 'A2.1.1'),
    // A2.1.2 is a service provider's: for an entity declared not one, the field left out says nothing worth printing.
    ...(e.posPoiSslEarlyTlsConnectionPoints === undefined && !e.serviceProvider ? [] : optional(
      'pos-poi-ssl-early-tls-connection-points',
      e.posPoiSslEarlyTlsConnectionPoints,
      'existing connection points to POS POI terminals that use SSL or early TLS',
      'no connection points to POS POI terminals that use SSL or early TLS',
      'A2.1.2 (for a service provider)',
    )),
    // A2.1.3 is a service provider's too.
    ...(e.posPoiTerminalConnections === undefined && !e.serviceProvider ? [] : optional(
      'pos-poi-terminal-connections',
      declaredFact(framework, e, 'pos-poi-terminal-connections').value,
      'provides connections into POS POI terminals',
      'provides no connections into POS POI terminals',
      'A2.1.3 (for a service provider)',
    )),
  ];
  return `declared by the entity (config entity.${framework}): ${kinds.join('; ')}. Requirements only for other entity types: proposed not applicable, assessor to confirm`;
}

/** The cover's few words on the entity type (the method section and summary.json say it in full, with the config field). */
export function entityCoverText(e: EntityConfig | undefined): string {
  if (!e) return 'entity type not declared';
  const sp = e.serviceProvider ? (e.multiTenantServiceProvider ? 'multi-tenant service provider' : 'a service provider') : 'not a service provider';
  const more = [
    e.issuerWithBusinessNeed ? 'issuer keeping SAD for a documented business need' : e.issuer ? 'issuer' : '',
    e.posPoiSslEarlyTls ? 'POS POI on SSL/early TLS' : '',
    e.posPoiSslEarlyTlsConnectionPoints ? 'POS POI connections on SSL/early TLS' : e.posPoiTerminalConnections ? 'POS POI connections' : '',
  ].filter(Boolean);
  return `${sp}, ${e.designatedEntity ? 'designated' : 'not designated'}${more.map((m) => `, ${m}`).join('')}`;
}
