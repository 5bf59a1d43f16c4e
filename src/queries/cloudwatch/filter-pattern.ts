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
 *   VALUE   := "quoted string" | %regular expression% | bare word (a number, or a string in which `*` is a wildcard)
 */

export type Comparison = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type Keyword = 'IS NULL' | 'NOT EXISTS' | 'IS TRUE' | 'IS FALSE';

export type PatternValue = { kind: 'string'; text: string } | { kind: 'number'; text: string; number: number } | { kind: 'regex'; text: string };

/** One test of a JSON filter pattern; `source` is the test as the pattern writes it. */
export type PatternTest = { selector: string; source: string } & ({ op: Comparison; value: PatternValue } | { op: Keyword });

export type PatternExpr = { test: PatternTest } | { and: PatternExpr[] } | { or: PatternExpr[] };

export class PatternError extends Error {}

const MAX_DEPTH = 64;
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Reads a JSON filter pattern; throws PatternError saying where it stops making sense. */
export function parseJsonPattern(pattern: string): PatternExpr {
  let i = 0;
  const fail = (what: string): never => {
    throw new PatternError(`${what} at character ${i + 1}`);
  };
  const skip = () => {
    while (i < pattern.length && /\s/.test(pattern[i])) i++;
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
      let text = '';
      for (i++; i < pattern.length && pattern[i] !== '"'; i++) text += pattern[i] === '\\' && i + 1 < pattern.length ? pattern[++i] : pattern[i];
      if (pattern[i] !== '"') fail('unterminated quoted string');
      i++;
      return { kind: 'string', text };
    }
    if (pattern[i] === '%') {
      const end = pattern.indexOf('%', i + 1);
      if (end < 0) fail('unterminated regular expression');
      const text = pattern.slice(i + 1, end);
      i = end + 1;
      return { kind: 'regex', text };
    }
    const bare = match(/[^\s()&|{}"%]+/y) ?? fail('expected a value');
    return NUMBER.test(bare) ? { kind: 'number', text: bare, number: Number(bare) } : { kind: 'string', text: bare };
  };

  const test = (): PatternTest => {
    skip();
    const start = i;
    const selector = match(/\$(?:\.[^\s.[\]=!<>()&|{}"%]+|\[(?:\d+|\*)\])*/y) ?? fail('expected a selector ($.field)');
    const keyword = match(/(?:IS\s+NULL|NOT\s+EXISTS|IS\s+TRUE|IS\s+FALSE)(?![A-Za-z0-9_])/iy);
    if (keyword) return { selector, op: keyword.toUpperCase().replace(/\s+/, ' ') as Keyword, source: pattern.slice(start, i) };
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

/** Whether `glob` (where `*` matches any run of characters) matches the whole of `text`. */
export function globMatches(glob: string, text: string): boolean {
  const re = new RegExp(`^${glob.split('*').map((p) => p.replace(/[\\^$.|?+()[\]{}]/g, '\\$&')).join('[\\s\\S]*')}$`);
  return re.test(text);
}

const sameValue = (a: PatternValue, b: PatternValue) => a.kind === b.kind && (a.kind === 'number' && b.kind === 'number' ? a.number === b.number : a.text === b.text);

/**
 * Whether every log event that passes `given` passes `test` too (false when that cannot be shown). Only tests on the
 * same selector are compared: equal tests; `= v` against `= g` or `!= g` by whether the wildcard pattern g matches v
 * (a `*` in v stands for any text, which g's own wildcards then have to cover); `!= v` against `!= g` when every text
 * g matches, v matches too; numbers against numeric comparisons.
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
  if (given.op === '=' && test.op === '=') return globMatches(t.text, g.text);
  // `= v` rules out `= g` for certain only when v has no wildcard (then it is one text, which g does not match).
  if (given.op === '=' && test.op === '!=') return !g.text.includes('*') && !globMatches(t.text, g.text);
  if (given.op === '!=' && test.op === '!=') return globMatches(g.text, t.text);
  return false;
}
