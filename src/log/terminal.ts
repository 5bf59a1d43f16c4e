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

/** The first character of `text` a terminal acts on (as terminalLine shows it) and its position from 1, or undefined. */
export function firstTerminalControl(text: string): { shown: string; position: number } | undefined {
  const at = text.search(new RegExp(TERMINAL_CONTROLS.source));
  return at < 0 ? undefined : { shown: shown(text.charAt(at)), position: at + 1 };
}

/** Text of several lines: each line as terminalLine shows it, the line breaks between them kept. */
export function terminalText(text: string): string {
  return text.split('\n').map(terminalLine).join('\n');
}

/** Bidirectional controls, line separators and zero-width characters: what a view shows by code point instead. */
const INVISIBLE = /[\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * Text for a document view (index.html, a CSV cell, VERIFY.md): bidirectional controls and zero-width characters
 * written as their code point ([U+202E]), so they can neither turn the text after them around nor make two names look alike.
 */
export function codePointsShown(text: string): string {
  return text.replace(INVISIBLE, (c) => `[U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}]`);
}

/**
 * A name (a resource, a key id, the organisation) as a document prints it on one line: bidirectional and zero-width
 * characters by code point ([U+202E]), control characters and line breaks as \u000a, so it cannot start a line of
 * its own that reads as another account, region or result.
 */
export function visibleName(name: string): string {
  return terminalLine(codePointsShown(name));
}
