import { readFileSync } from 'node:fs';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';

// CommonJS default exports seen through NodeNext ESM interop.
const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as unknown as typeof AjvModule.default;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as typeof addFormatsModule.default;

const schema = JSON.parse(readFileSync(new URL('../data/oscal/oscal_assessment-results_schema-1.1.2.json', import.meta.url), 'utf8'));

/** Validates a document against the official OSCAL 1.1.2 assessment-results JSON schema: its errors (none when valid). */
export function oscalSchemaErrors(doc: unknown): unknown[] {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  const ok = validate(doc);
  return ok ? [] : (validate.errors ?? ['invalid']);
}
