/**
 * Schema-driven value codecs shared by the wire protocols. Every shape is walked with the SDK's own
 * operation schemas (`NormalizedSchema` from @smithy/core), so member names, jsonName/xmlName, flattening and
 * timestamp formats come from the service model rather than from hand-written strings.
 */
import { NormalizedSchema } from '@smithy/core/schema';

export type TimestampFormat = 'epoch-seconds' | 'date-time' | 'http-date';

const TS_DATE_TIME = 5;
const TS_HTTP_DATE = 6;
const TS_EPOCH = 7;

const memberCache = new WeakMap<object, Array<[string, NormalizedSchema]>>();

/** The members of a structure, computed once per structure schema (encoding is on every call's hot path). */
export function structMembers(ns: NormalizedSchema): Array<[string, NormalizedSchema]> {
  const key = ns.getSchema() as unknown as object;
  let members = memberCache.get(key);
  if (!members) {
    members = [...ns.structIterator()];
    memberCache.set(key, members);
  }
  return members;
}

export function timestampFormatOf(ns: NormalizedSchema, protocolDefault: TimestampFormat): TimestampFormat {
  const s = ns.getSchema() as unknown;
  if (s === TS_DATE_TIME) return 'date-time';
  if (s === TS_HTTP_DATE) return 'http-date';
  if (s === TS_EPOCH) return 'epoch-seconds';
  const t = ns.getMergedTraits().timestampFormat as string | undefined;
  if (t === 'date-time' || t === 'http-date' || t === 'epoch-seconds') return t;
  return protocolDefault;
}

export function toDateValue(v: unknown): Date {
  if (v instanceof Date) return v;
  if (typeof v === 'number') return new Date(v * 1000);
  return new Date(String(v));
}

export function formatTimestamp(v: unknown, format: TimestampFormat): string | number {
  const d = toDateValue(v);
  if (format === 'epoch-seconds') return d.getTime() / 1000;
  if (format === 'http-date') return d.toUTCString();
  return d.toISOString();
}

export function parseTimestamp(v: unknown): Date {
  if (typeof v === 'number') return new Date(v * 1000);
  const s = String(v);
  if (/^\d+(\.\d+)?$/.test(s)) return new Date(Number(s) * 1000);
  return new Date(s);
}

function blobToBase64(v: unknown): string {
  if (typeof v === 'string') return Buffer.from(v).toString('base64');
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  return '';
}

/** Parses a scalar from a query string, header or XML text according to its schema. */
export function parseScalar(ns: NormalizedSchema, raw: string): unknown {
  if (ns.isTimestampSchema()) return parseTimestamp(raw);
  if (ns.isBooleanSchema()) return raw === 'true';
  if (ns.isNumericSchema()) return Number(raw);
  if (ns.isBlobSchema()) return new Uint8Array(Buffer.from(raw, 'base64'));
  return raw;
}

// ---------------------------------------------------------------- JSON

export interface JsonCodecSettings {
  /** restJson1 honours `jsonName`; awsJson1_x uses member names as-is. */
  useJsonName: boolean;
  timestampDefault: TimestampFormat;
}

/** Serialises an SDK-shaped value into the JSON a service sends. Undefined members are omitted. */
export function toJsonValue(value: unknown, ns: NormalizedSchema, s: JsonCodecSettings): unknown {
  if (value === undefined || value === null) return undefined;
  if (ns.isStructSchema() || ns.isUnionSchema()) {
    const out: Record<string, unknown> = {};
    const obj = value as Record<string, unknown>;
    for (const [name, member] of structMembers(ns)) {
      const v = obj[name];
      if (v === undefined || v === null) continue;
      const key = s.useJsonName ? ((member.getMergedTraits().jsonName as string | undefined) ?? name) : name;
      out[key] = toJsonValue(v, member, s);
    }
    return out;
  }
  if (ns.isListSchema()) {
    const item = ns.getValueSchema();
    return (value as unknown[]).map((v) => toJsonValue(v, item, s));
  }
  if (ns.isMapSchema()) {
    const item = ns.getValueSchema();
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = toJsonValue(v, item, s);
    return out;
  }
  if (ns.isTimestampSchema()) return formatTimestamp(value, timestampFormatOf(ns, s.timestampDefault));
  if (ns.isBlobSchema()) return blobToBase64(value);
  return value;
}

/** Reads a request body JSON value into the SDK input shape (member names, Dates for timestamps). */
export function fromJsonValue(value: unknown, ns: NormalizedSchema, s: JsonCodecSettings): unknown {
  if (value === undefined || value === null) return undefined;
  if (ns.isStructSchema() || ns.isUnionSchema()) {
    const obj = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [name, member] of structMembers(ns)) {
      const key = s.useJsonName ? ((member.getMergedTraits().jsonName as string | undefined) ?? name) : name;
      if (obj[key] !== undefined) out[name] = fromJsonValue(obj[key], member, s);
    }
    return out;
  }
  if (ns.isListSchema()) {
    const item = ns.getValueSchema();
    return Array.isArray(value) ? value.map((v) => fromJsonValue(v, item, s)) : [];
  }
  if (ns.isMapSchema()) {
    const item = ns.getValueSchema();
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = fromJsonValue(v, item, s);
    return out;
  }
  if (ns.isTimestampSchema()) return parseTimestamp(value);
  if (ns.isBlobSchema()) return new Uint8Array(Buffer.from(typeof value === 'string' ? value : '', 'base64'));
  return value;
}

// ---------------------------------------------------------------- XML

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
}

function xmlScalar(value: unknown, ns: NormalizedSchema): string {
  if (ns.isTimestampSchema()) return escapeXml(String(formatTimestamp(value, timestampFormatOf(ns, 'date-time'))));
  if (ns.isBlobSchema()) return blobToBase64(value);
  return escapeXml(String(value));
}

/**
 * The children of a structure, as the SDK's XML deserializer reads them: a member's element is its
 * member-level `xmlName` or its name; non-flattened lists wrap items in the item's `xmlName` or `member`;
 * flattened lists repeat the member element; maps use `entry`/`key`/`value` unless renamed.
 */
export function xmlStructBody(value: Record<string, unknown>, ns: NormalizedSchema): { attrs: string; body: string } {
  let attrs = '';
  let body = '';
  for (const [name, member] of structMembers(ns)) {
    const v = value[name];
    if (v === undefined || v === null) continue;
    const traits = member.getMergedTraits();
    if (traits.httpHeader || traits.httpQuery || traits.httpLabel || traits.httpResponseCode || traits.httpPrefixHeaders) continue;
    const tag = (member.getMemberTraits().xmlName as string | undefined) ?? name;
    if (traits.xmlAttribute) {
      attrs += ` ${tag}="${xmlScalar(v, member)}"`;
      continue;
    }
    body += xmlMember(tag, v, member);
  }
  return { attrs, body };
}

function xmlMember(tag: string, value: unknown, ns: NormalizedSchema): string {
  const traits = ns.getMergedTraits();
  if (ns.isListSchema()) {
    const item = ns.getValueSchema();
    const items = value as unknown[];
    if (traits.xmlFlattened) return items.map((v) => xmlElement(tag, v, item)).join('');
    const itemTag = (item.getMergedTraits().xmlName as string | undefined) ?? 'member';
    return `<${tag}>${items.map((v) => xmlElement(itemTag, v, item)).join('')}</${tag}>`;
  }
  if (ns.isMapSchema()) {
    const keyTag = (ns.getKeySchema().getMergedTraits().xmlName as string | undefined) ?? 'key';
    const valNs = ns.getValueSchema();
    const valTag = (valNs.getMergedTraits().xmlName as string | undefined) ?? 'value';
    const entries = Object.entries(value as Record<string, unknown>).map(
      ([k, v]) => `<${keyTag}>${escapeXml(k)}</${keyTag}>${xmlElement(valTag, v, valNs)}`,
    );
    if (traits.xmlFlattened) return entries.map((e) => `<${tag}>${e}</${tag}>`).join('');
    return `<${tag}>${entries.map((e) => `<entry>${e}</entry>`).join('')}</${tag}>`;
  }
  return xmlElement(tag, value, ns);
}

export function xmlElement(tag: string, value: unknown, ns: NormalizedSchema, xmlns?: string): string {
  const nsAttr = xmlns ? ` xmlns="${xmlns}"` : '';
  if (ns.isStructSchema() || ns.isUnionSchema()) {
    const { attrs, body } = xmlStructBody(value as Record<string, unknown>, ns);
    return `<${tag}${nsAttr}${attrs}>${body}</${tag}>`;
  }
  if (ns.isListSchema() || ns.isMapSchema()) return xmlMember(tag, value, ns);
  return `<${tag}${nsAttr}>${xmlScalar(value, ns)}</${tag}>`;
}

// ---------------------------------------------------------------- query strings (awsQuery / ec2Query requests)

export interface QueryCodecSettings {
  ec2: boolean;
}

function queryKey(name: string, member: NormalizedSchema, s: QueryCodecSettings): string {
  const t = member.getMemberTraits();
  if (s.ec2) {
    const ec2Name = t.ec2QueryName as string | undefined;
    if (ec2Name) return ec2Name;
    const base = (t.xmlName as string | undefined) ?? name;
    return base.charAt(0).toUpperCase() + base.slice(1);
  }
  return (t.xmlName as string | undefined) ?? name;
}

/** Reads form parameters (`Name.member.1`, `Filter.1.Value.1`, ...) into the SDK input shape. */
export function fromQueryParams(params: Map<string, string>, ns: NormalizedSchema, s: QueryCodecSettings, prefix = ''): unknown {
  if (ns.isStructSchema() || ns.isUnionSchema()) {
    const out: Record<string, unknown> = {};
    for (const [name, member] of structMembers(ns)) {
      const key = prefix ? `${prefix}.${queryKey(name, member, s)}` : queryKey(name, member, s);
      const v = fromQueryParams(params, member, s, key);
      if (v !== undefined) out[name] = v;
    }
    return Object.keys(out).length === 0 && prefix !== '' ? undefined : out;
  }
  if (ns.isListSchema()) {
    const item = ns.getValueSchema();
    const flat = s.ec2 || !!ns.getMergedTraits().xmlFlattened;
    const itemTag = (item.getMergedTraits().xmlName as string | undefined) ?? 'member';
    const base = flat ? prefix : `${prefix}.${itemTag}`;
    const out: unknown[] = [];
    for (let i = 1; ; i++) {
      const v = fromQueryParams(params, item, s, `${base}.${i}`);
      if (v === undefined) break;
      out.push(v);
    }
    if (out.length === 0) return params.has(prefix) ? [] : undefined;
    return out;
  }
  if (ns.isMapSchema()) {
    const flat = !!ns.getMergedTraits().xmlFlattened;
    const base = flat ? prefix : `${prefix}.entry`;
    const keyTag = (ns.getKeySchema().getMergedTraits().xmlName as string | undefined) ?? 'key';
    const valTag = (ns.getValueSchema().getMergedTraits().xmlName as string | undefined) ?? 'value';
    const out: Record<string, unknown> = {};
    for (let i = 1; params.has(`${base}.${i}.${keyTag}`); i++) {
      out[params.get(`${base}.${i}.${keyTag}`)!] = fromQueryParams(params, ns.getValueSchema(), s, `${base}.${i}.${valTag}`);
    }
    return Object.keys(out).length ? out : undefined;
  }
  const raw = params.get(prefix);
  return raw === undefined ? undefined : parseScalar(ns, raw);
}
