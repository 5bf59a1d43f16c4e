import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { reportFont, woffToSfnt } from '../../src/package/fonts.js';

interface FontLike {
  type: string;
  numGlyphs: number;
  postscriptName: string;
  hasGlyphForCodePoint(c: number): boolean;
  layout(s: string): { advanceWidth: number };
}
const require = createRequire(import.meta.url);
// The font engine pdfkit embeds fonts with (a dependency of pdfkit), resolved from pdfkit's own folder.
const fontkit = createRequire(require.resolve('pdfkit'))('fontkit') as { create(b: Buffer): FontLike };

describe('report fonts', () => {
  it('unwraps each Fontsource WOFF to a TrueType font with the same glyphs and names', () => {
    for (const [name, spec] of [
      ['sans', '@fontsource/dejavu-sans/files/dejavu-sans-latin-400-normal.woff'],
      ['sansBold', '@fontsource/dejavu-sans/files/dejavu-sans-latin-700-normal.woff'],
      ['mono', '@fontsource/dejavu-mono/files/dejavu-mono-latin-400-normal.woff'],
    ] as const) {
      const woff = fontkit.create(readFileSync(require.resolve(spec)))
      const ttf = fontkit.create(reportFont(name))
      expect(ttf.type).toBe('TTF');
      expect(ttf.numGlyphs).toBe(woff.numGlyphs);
      expect(ttf.postscriptName).toBe(woff.postscriptName);
      // Every printable ASCII and Latin-1 character has a real glyph (PDF/A forbids .notdef references).
      for (let c = 0x20; c <= 0xff; c++) if (c < 0x7f || c >= 0xa0) expect(ttf.hasGlyphForCodePoint(c), `${name} U+${c.toString(16)}`).toBe(true);
      expect(ttf.layout('Evidence 1.2.3').advanceWidth).toBe(woff.layout('Evidence 1.2.3').advanceWidth);
    }
  });

  it('refuses what is not WOFF 1.0', () => {
    expect(() => woffToSfnt(Buffer.from('wOF2rest-of-a-woff2-font'))).toThrow('not a WOFF 1.0 font');
  });
});
