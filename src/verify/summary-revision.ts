import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SUMMARY_MEANING_SINCE } from '../package/assessor.js';
import type { CsvCells } from '../package/csv.js';
import { PACKAGE_FILES } from '../package/manifest.js';

/** The `summaryRevision` the package's summary.json records, or undefined (none, or no readable summary). */
export async function summaryRevisionOf(root: string): Promise<number | undefined> {
  try {
    const stated = (JSON.parse(await readFile(join(root, PACKAGE_FILES.summary), 'utf8')) as { summaryRevision?: unknown }).summaryRevision;
    return typeof stated === 'number' && Number.isInteger(stated) && stated >= 1 ? stated : undefined;
  } catch {
    return undefined;
  }
}

/** How the build of a package of that summary revision wrote its CSV cells (before 7, or none recorded: verbatim). */
export function csvCellsOfRevision(revision: number | undefined): CsvCells {
  return revision !== undefined && revision >= SUMMARY_MEANING_SINCE.csvCellsShown ? 'shown' : 'asBuilt';
}
