import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';

/** The report's fonts: DejaVu Sans, Sans Bold and Sans Mono from the Fontsource npm packages (latin subset). */
const FONT_SPECS = {
  sans: '@fontsource/dejavu-sans/files/dejavu-sans-latin-400-normal.woff',
  sansBold: '@fontsource/dejavu-sans/files/dejavu-sans-latin-700-normal.woff',
  mono: '@fontsource/dejavu-mono/files/dejavu-mono-latin-400-normal.woff',
} as const;

export type ReportFont = keyof typeof FONT_SPECS;

const cache = new Map<ReportFont, Buffer>();

/**
 * The font as TrueType bytes. Fontsource ships WOFF; fontkit would inflate the whole glyf table again for every
 * glyph it reads from a WOFF (seconds per page), so each font is unwrapped to plain sfnt once per process.
 */
export function reportFont(name: ReportFont): Buffer {
  let bytes = cache.get(name);
  if (!bytes) {
    bytes = woffToSfnt(readFileSync(createRequire(import.meta.url).resolve(FONT_SPECS[name])));
    cache.set(name, bytes);
  }
  return bytes;
}

/** WOFF 1.0 (W3C) to the sfnt it wraps: the same tables, inflated, behind a regular table directory. */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.toString('latin1', 0, 4) !== 'wOFF') throw new Error('not a WOFF 1.0 font');
  const flavor = woff.readUInt32BE(4);
  const numTables = woff.readUInt16BE(12);
  const tables: { tag: Buffer; checksum: number; data: Buffer }[] = [];
  for (let i = 0; i < numTables; i++) {
    const e = 44 + i * 20;
    const offset = woff.readUInt32BE(e + 4);
    const compLength = woff.readUInt32BE(e + 8);
    const origLength = woff.readUInt32BE(e + 12);
    const raw = woff.subarray(offset, offset + compLength);
    const data = compLength < origLength ? inflateSync(raw) : raw;
    if (data.length !== origLength) throw new Error(`WOFF table ${woff.toString('latin1', e, e + 4)} inflates to ${data.length} bytes, expected ${origLength}`);
    tables.push({ tag: woff.subarray(e, e + 4), checksum: woff.readUInt32BE(e + 16), data });
  }
  const pad4 = (n: number) => (n + 3) & ~3;
  const headerLength = 12 + 16 * numTables;
  const out = Buffer.alloc(headerLength + tables.reduce((n, t) => n + pad4(t.data.length), 0));
  const entrySelector = Math.floor(Math.log2(numTables));
  const searchRange = 2 ** entrySelector * 16;
  out.writeUInt32BE(flavor, 0);
  out.writeUInt16BE(numTables, 4);
  out.writeUInt16BE(searchRange, 6);
  out.writeUInt16BE(entrySelector, 8);
  out.writeUInt16BE(numTables * 16 - searchRange, 10);
  let at = headerLength;
  tables.forEach((t, i) => {
    const r = 12 + i * 16;
    t.tag.copy(out, r);
    out.writeUInt32BE(t.checksum, r + 4);
    out.writeUInt32BE(at, r + 8);
    out.writeUInt32BE(t.data.length, r + 12);
    t.data.copy(out, at);
    at += pad4(t.data.length);
  });
  return out;
}
