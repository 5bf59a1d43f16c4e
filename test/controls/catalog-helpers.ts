import { findCatalog, loadCatalogs, type LoadedCatalog } from '../../src/controls/load.js';
import { loadProcedureMap } from '../../src/controls/procedures.js';

/** The built-in catalogs, and lookups the mapping tests share. */
const catalogs = loadCatalogs();
export const pci = findCatalog(catalogs, 'pci-dss-4.0.1');
export const hipaa = findCatalog(catalogs, 'hipaa-security');

export function req(c: LoadedCatalog, id: string) {
  const r = c.requirements.find((x) => x.id === id);
  if (!r) throw new Error(`requirement ${id} missing`);
  return r;
}

/** The queries the procedure map attaches to a requirement's testing procedures. */
export function procedureQueries(c: LoadedCatalog, id: string): string[] {
  return loadProcedureMap(c).procedures.filter((p) => p.requirement === id).flatMap((p) => p.queries);
}

/** Why the procedure map leaves every procedure of a requirement untested; undefined when it does not. */
export function untestedReason(c: LoadedCatalog, id: string): string | undefined {
  return loadProcedureMap(c).untested?.find((u) => u.requirement === id)?.reason;
}
