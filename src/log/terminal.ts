/**
 * Characters a terminal acts on instead of showing: C0 controls (ESC starts ANSI sequences, CR returns to the start of
 * the line), DEL, C1 controls (U+009B is a one-character CSI), Unicode line separators, bidirectional overrides and
 * isolates (U+202E shows text backwards), and zero-width characters (two names that differ only by one look the same).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const TERMINAL_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

function shown(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * One line as a terminal will show it: every control character, line break included, written as a visible escape (\u001b for ESC)
 * escape, so a name read from a package or a store (an S3 key, a zip entry, a manifest field) cannot move the cursor,
 * erase or recolour what was printed, or start a line of its own that reads like the verdict.
 */
export function terminalLine(text: string): string {
  return text.replace(TERMINAL_CONTROLS, shown);
}

/** Text of several lines: each line as terminalLine shows it, the line breaks between them kept. */
export function terminalText(text: string): string {
  return text.split('\n').map(terminalLine).join('\n');
}
