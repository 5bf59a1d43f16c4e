/**
 * CloudWatch Logs JSON filter patterns (`{ SELECTOR OPERATOR VALUE }` joined by `&&` and `||`, with parentheses), read
 * into a tree, put in disjunctive normal form, and compared test by test. Only what a metric filter on CloudTrail's
 * JSON events can say is read: term, space-delimited and regular-expression-only patterns are not JSON patterns.
 *
 * Grammar (as the CloudWatch Logs "Filter pattern syntax" describes JSON log events; `&&` binds tighter than `||`):
 *   pattern := '{' or '}'
 *   or      := and ('||' and)*
 *   and     := primary ('&&' primary)*
 *   primary := '(' or ')' | test
 *   test    := SELECTOR ('=' | '!=' | '<' | '<=' | '>' | '>=') VALUE | SELECTOR ('IS NULL' | 'NOT EXISTS' | 'IS TRUE' | 'IS FALSE')
 *   VALUE   := "quoted string" | %regular expression% | bare word (a number, or a string)
 *
 * In a string value `*` is a wildcard only as its first or last character ("Ev*ent will only match the actual string
 * Ev*ent"). Whitespace between tokens is space, tab, carriage return or line feed; any other character outside quotes
 * that is not printable ASCII, and any backslash, is left unread (UndocumentedSyntax): CloudWatch Logs requires such
 * values to be quoted and does not document whether a backslash inside quotes escapes the character after it.
 */

export type Comparison = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type Keyword = 'IS NULL' | 'NOT EXISTS' | 'IS TRUE' | 'IS FALSE';

export type PatternValue = { kind: 'string'; text: string } | { kind: 'number'; text: string; number: number } | { kind: 'regex'; text: string };

/** One test of a JSON filter pattern; `source` is the test as the pattern writes it. */
export type PatternTest = { selector: string; source: string } & ({ op: Comparison; value: PatternValue } | { op: Keyword });

export type PatternExpr = { test: PatternTest } | { and: PatternExpr[] } | { or: PatternExpr[] };

export class PatternError extends Error {}

/** The pattern uses something whose meaning CloudWatch Logs does not document, so what it matches is not known. */
export class UndocumentedSyntax extends PatternError {}

/** The whitespace CloudWatch Logs' own examples use between tokens. */
const ASCII_SPACE = /[ \t\r\n]/;

const MAX_DEPTH = 64;
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Reads a JSON filter pattern; throws PatternError saying where it stops making sense. */
export function parseJsonPattern(pattern: string): PatternExpr {
  let i = 0;
  const fail = (what: string): never => {
    throw new PatternError(`${what} at character ${i + 1}`);
  };
  const undocumented = (what: string): never => {
    throw new UndocumentedSyntax(`at character ${i + 1}, ${what}`);
  };
  const skip = () => {
    while (i < pattern.length && ASCII_SPACE.test(pattern[i])) i++;
    if (i >= pattern.length) return;
    const c = pattern[i];
    if (c === '\\') undocumented('it has a backslash outside quotes, which CloudWatch Logs accepts only inside a quoted string');
    if (c < '!' || c > '~') {
      const code = `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
      undocumented(`it has the character ${code} outside quotes, which CloudWatch Logs does not document as whitespace or as part of a selector or unquoted value`);
    }
  };
  const eat = (token: string): boolean => {
    skip();
    if (pattern.startsWith(token, i)) {
      i += token.length;
      return true;
    }
    return false;
  };
  const match = (re: RegExp): string | undefined => {
    skip();
    re.lastIndex = i;
    const m = re.exec(pattern);
    if (!m) return undefined;
    i += m[0].length;
    return m[0];
  };

  const value = (): PatternValue => {
    skip();
    if (pattern[i] === '"') {
      const end = pattern.indexOf('"', i + 1);
      const slash = pattern.indexOf('\\', i + 1);
      if (slash >= 0 && (end < 0 || slash < end)) {
        undocumented(`its quoted value ${pattern.slice(i, end < 0 ? undefined : end + 1)} has a backslash, and CloudWatch Logs does not document whether a backslash inside quotes is a character of the value or escapes the one after it`);
      }
      if (end < 0) fail('unterminated quoted string');
      const text = pattern.slice(i + 1, end);
      i = end + 1;
      return { kind: 'string', text };
    }
    if (pattern[i] === '%') {
      const end = pattern.indexOf('%', i + 1);
      if (end < 0) fail('unterminated regular expression');
      const text = pattern.slice(i + 1, end);
      i = end + 1;
      return { kind: 'regex', text };
    }
    const bare = match(/(?:(?!["%()&|{}\\])[!-~])+/y) ?? fail('expected a value');
    return NUMBER.test(bare) ? { kind: 'number', text: bare, number: Number(bare) } : { kind: 'string', text: bare };
  };

  const test = (): PatternTest => {
    skip();
    const start = i;
    const selector = match(/\$(?:\.(?:(?![.[\]=!<>()&|{}"%\\])[!-~])+|\[(?:\d+|\*)\])*/y) ?? fail('expected a selector ($.field)');
    const keyword = match(/(?:IS[ \t\r\n]+NULL|NOT[ \t\r\n]+EXISTS|IS[ \t\r\n]+TRUE|IS[ \t\r\n]+FALSE)(?![A-Za-z0-9_])/iy);
    if (keyword) return { selector, op: keyword.toUpperCase().replace(/[ \t\r\n]+/, ' ') as Keyword, source: pattern.slice(start, i) };
    const op = (match(/!=|>=|<=|=|<|>/y) ?? fail(`expected an operator after ${selector}`)) as Comparison;
    const v = value();
    if (!['=', '!='].includes(op) && v.kind !== 'number') fail(`${op} compares numbers, not ${v.text}`);
    return { selector, op, value: v, source: pattern.slice(start, i) };
  };

  const primary = (depth: number): PatternExpr => {
    if (depth > MAX_DEPTH) fail('parentheses nested too deep');
    if (eat('(')) {
      const inner = or(depth + 1);
      if (!eat(')')) fail('expected )');
      return inner;
    }
    return { test: test() };
  };
  const and = (depth: number): PatternExpr => {
    const parts = [primary(depth)];
    while (eat('&&')) parts.push(primary(depth));
    return parts.length === 1 ? parts[0] : { and: parts };
  };
  const or = (depth: number): PatternExpr => {
    const parts = [and(depth)];
    while (eat('||')) parts.push(and(depth));
    return parts.length === 1 ? parts[0] : { or: parts };
  };

  if (!eat('{')) fail('not a JSON filter pattern (it does not start with {)');
  const expr = or(0);
  if (!eat('}')) fail('expected && or || or }');
  skip();
  if (i < pattern.length) fail('text after the closing }');
  return expr;
}

/**
 * The pattern as an OR of ANDs of tests (undefined when it would have more than `limit` disjuncts): the pattern matches
 * an event exactly when one disjunct's tests all hold.
 */
export function disjunctiveNormalForm(expr: PatternExpr, limit = 256): PatternTest[][] | undefined {
  if ('test' in expr) return [[expr.test]];
  if ('or' in expr) {
    const out: PatternTest[][] = [];
    for (const part of expr.or) {
      const d = disjunctiveNormalForm(part, limit);
      if (!d || out.length + d.length > limit) return undefined;
      out.push(...d);
    }
    return out;
  }
  let out: PatternTest[][] = [[]];
  for (const part of expr.and) {
    const d = disjunctiveNormalForm(part, limit);
    if (!d || out.length * d.length > limit) return undefined;
    out = out.flatMap((left) => d.map((right) => [...left, ...right]));
  }
  return out;
}

/**
 * A string value as CloudWatch Logs reads it: a `*` first or last is a wildcard for any run of characters (none
 * included); a `*` anywhere else is an ordinary character ("Ev*ent will only match the actual string Ev*ent").
 */
export interface Glob {
  /** Any text may come before `core` (the value starts with `*`). */
  anyBefore: boolean;
  /** Any text may come after `core` (the value ends with `*`, and is not that one `*`). */
  anyAfter: boolean;
  /** The text the value asks for, literally. */
  core: string;
}

export function readGlob(value: string): Glob {
  const anyBefore = value.startsWith('*');
  const rest = anyBefore ? value.slice(1) : value;
  const anyAfter = rest.endsWith('*');
  return { anyBefore, anyAfter, core: anyAfter ? rest.slice(0, -1) : rest };
}

/** Whether the value has a wildcard at all (a `*` first or last). */
export const isWildcard = (value: string): boolean => {
  const g = readGlob(value);
  return g.anyBefore || g.anyAfter;
};

/** Whether the value has a `*` that is not first or last: CloudWatch Logs takes that one literally. */
export const hasLiteralStar = (value: string): boolean => readGlob(value).core.includes('*');

/** Whether the string value `glob` matches the whole of `text`, as CloudWatch Logs compares them. */
export function globMatches(glob: string, text: string): boolean {
  const { anyBefore, anyAfter, core } = readGlob(glob);
  if (anyBefore && anyAfter) return text.includes(core);
  if (anyBefore) return text.endsWith(core);
  if (anyAfter) return text.startsWith(core);
  return text === core;
}

/** Whether every text the string value `inner` matches, the string value `outer` matches too. */
export function globWithin(inner: string, outer: string): boolean {
  const i = readGlob(inner);
  const o = readGlob(outer);
  if (!i.anyBefore && !i.anyAfter) return globMatches(outer, i.core);
  if (!o.anyBefore && !o.anyAfter) return false;
  // A prefix (or suffix) of `outer` holds for all of `inner` only if `inner` fixes that end; containment if `inner`'s text has it.
  if (o.anyBefore && o.anyAfter) return i.core.includes(o.core) || o.core === '';
  if (o.anyAfter) return (!i.anyBefore && i.core.startsWith(o.core)) || o.core === '';
  return (!i.anyAfter && i.core.endsWith(o.core)) || o.core === '';
}

const sameValue = (a: PatternValue, b: PatternValue) => a.kind === b.kind && (a.kind === 'number' && b.kind === 'number' ? a.number === b.number : a.text === b.text);

/**
 * Whether every log event that passes `given` passes `test` too (false when that cannot be shown). Only tests on the
 * same selector are compared: equal tests; `= v` against `= g` when every text v matches, g matches too; `= v` against
 * `!= g` when v is one text (no wildcard) that g does not match; `!= v` against `!= g` when every text g matches, v
 * matches too; numbers against numeric comparisons. Wildcards are read as CloudWatch Logs reads them (readGlob).
 */
export function implies(given: PatternTest, test: PatternTest): boolean {
  if (given.selector !== test.selector) return false;
  if (!('value' in given) || !('value' in test)) return given.op === test.op && !('value' in given) && !('value' in test);
  const g = given.value;
  const t = test.value;
  if (given.op === test.op && sameValue(g, t)) return true;
  if (g.kind === 'regex' || t.kind === 'regex') return false;
  if (g.kind === 'number' && t.kind === 'number') {
    if (given.op !== '=') return false;
    const [x, y] = [g.number, t.number];
    return { '=': x === y, '!=': x !== y, '<': x < y, '<=': x <= y, '>': x > y, '>=': x >= y }[test.op];
  }
  if (g.kind !== 'string' || t.kind !== 'string') return false;
  if (given.op === '=' && test.op === '=') return globWithin(g.text, t.text);
  // `= v` rules out `= g` for certain only when v has no wildcard (then it is one text, which g does not match).
  if (given.op === '=' && test.op === '!=') return !isWildcard(g.text) && !globMatches(t.text, readGlob(g.text).core);
  if (given.op === '!=' && test.op === '!=') return globWithin(t.text, g.text);
  return false;
}
