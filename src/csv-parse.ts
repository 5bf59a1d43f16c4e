/** RFC 4180 CSV reading, shared by the IAM credential report and `verify --recompute` (the package's result files). */

/** One record of a CSV text and the line it starts on. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/** Parses a CSV text (RFC 4180: quoted fields may hold commas, quotes and newlines), keeping each record's line. */
export function parseCsvRecords(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
        field += c;
      }
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      records.push({ fields: row, line: start });
      line++;
      start = line;
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    records.push({ fields: row, line: start });
  }
  return records.filter((r) => !(r.fields.length === 1 && r.fields[0] === ''));
}

/** Parses a CSV text (RFC 4180: quoted fields may hold commas, quotes and newlines). */
export function parseCsv(text: string): string[][] {
  return parseCsvRecords(text).map((r) => r.fields);
}
