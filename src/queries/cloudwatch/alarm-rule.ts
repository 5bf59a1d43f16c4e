/**
 * CloudWatch composite alarm rules (PutCompositeAlarm `AlarmRule`), read as CloudWatch documents them: the functions
 * ALARM(x), OK(x) and INSUFFICIENT_DATA(x), true when alarm x (a name or an ARN, in double quotes or not) is in that
 * state; the constants TRUE and FALSE; the operators AND, OR and NOT; parentheses to group. The documentation gives no
 * precedence between AND and OR, so a rule that mixes them without parentheses is not read (it throws).
 */

export type AlarmState = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';

export type AlarmRule =
  | { kind: 'const'; value: boolean }
  | { kind: 'state'; state: AlarmState; alarm: string }
  | { kind: 'not'; of: AlarmRule }
  | { kind: 'and' | 'or'; of: AlarmRule[] };

export class AlarmRuleError extends Error {}

const STATES: readonly string[] = ['ALARM', 'OK', 'INSUFFICIENT_DATA'];
/** Only ASCII blanks separate words: anything else is a character this reader does not know. */
const BLANK = /[ \t\r\n]/;

/** Parses an AlarmRule; throws AlarmRuleError, saying where, when it is not one this reader knows. */
export function parseAlarmRule(rule: string): AlarmRule {
  let i = 0;
  const fail = (what: string): never => {
    throw new AlarmRuleError(`${what} at character ${i + 1}`);
  };
  const skip = () => {
    while (i < rule.length && BLANK.test(rule[i])) i++;
  };
  const word = (): string => {
    skip();
    const m = /^[A-Za-z_]+/.exec(rule.slice(i));
    return m ? m[0] : '';
  };
  const alarmName = (): string => {
    skip();
    let name: string;
    if (rule[i] === '"') {
      const end = rule.indexOf('"', i + 1);
      if (end < 0) fail('an alarm name in quotes is not closed');
      name = rule.slice(i + 1, end);
      i = end + 1;
      skip();
    } else {
      const end = rule.indexOf(')', i);
      if (end < 0) fail('a function is not closed');
      name = rule.slice(i, end).replace(/[ \t\r\n]+$/, '');
      if (/["(]/.test(name)) fail('an unquoted alarm name holds a quote or parenthesis');
      i += name.length;
      skip();
    }
    if (!name) fail('a function names no alarm');
    if (rule[i] !== ')') fail('a function is not closed');
    i++;
    return name;
  };
  const operand = (): AlarmRule => {
    skip();
    if (rule[i] === '(') {
      i++;
      const inner = expression();
      skip();
      if (rule[i] !== ')') fail('a parenthesis is not closed');
      i++;
      return inner;
    }
    const w = word();
    if (!w) fail(i < rule.length ? `unexpected ${JSON.stringify(rule[i])}` : 'the rule ends where a function was expected');
    i += w.length;
    if (w === 'NOT') return { kind: 'not', of: operand() };
    if (w === 'TRUE' || w === 'FALSE') return { kind: 'const', value: w === 'TRUE' };
    if (!STATES.includes(w)) fail(`${w} is not ALARM, OK, INSUFFICIENT_DATA, TRUE, FALSE or NOT`);
    skip();
    if (rule[i] !== '(') fail(`${w} is not followed by (`);
    i++;
    return { kind: 'state', state: w as AlarmState, alarm: alarmName() };
  };
  function expression(): AlarmRule {
    const of = [operand()];
    let op: 'AND' | 'OR' | undefined;
    for (;;) {
      const w = word();
      if (w !== 'AND' && w !== 'OR') break;
      if (op && op !== w) fail('it mixes AND and OR without parentheses, and CloudWatch documents no precedence between them');
      op = w;
      i += w.length;
      of.push(operand());
    }
    return op ? { kind: op === 'AND' ? 'and' : 'or', of } : of[0];
  }
  const out = expression();
  skip();
  if (i < rule.length) fail(`unexpected ${JSON.stringify(rule.slice(i, i + 10))}`);
  return out;
}

/** Every alarm a rule names, in order of first mention. */
export function alarmsNamed(rule: AlarmRule): string[] {
  const out: string[] = [];
  const walk = (r: AlarmRule) => {
    if (r.kind === 'state') {
      if (!out.includes(r.alarm)) out.push(r.alarm);
    } else if (r.kind === 'not') walk(r.of);
    else if (r.kind === 'and' || r.kind === 'or') r.of.forEach(walk);
  };
  walk(rule);
  return out;
}

/** True, false, or unknown (it depends on alarms whose state is not given). */
export type Truth = 'true' | 'false' | 'unknown';

/**
 * The rule's value when `stateOf` gives the state of each alarm it names (undefined: any state). Unknowns combine as in
 * three-valued logic, so `true` means true for every state of the alarms left open, and `false` false for every one.
 */
export function evaluateAlarmRule(rule: AlarmRule, stateOf: (alarm: string) => AlarmState | undefined): Truth {
  const of = (b: boolean): Truth => (b ? 'true' : 'false');
  switch (rule.kind) {
    case 'const':
      return of(rule.value);
    case 'state': {
      const s = stateOf(rule.alarm);
      return s === undefined ? 'unknown' : of(s === rule.state);
    }
    case 'not': {
      const v = evaluateAlarmRule(rule.of, stateOf);
      return v === 'unknown' ? v : of(v === 'false');
    }
    default: {
      const values = rule.of.map((r) => evaluateAlarmRule(r, stateOf));
      const [absorbing, neutral]: Truth[] = rule.kind === 'and' ? ['false', 'true'] : ['true', 'false'];
      if (values.includes(absorbing)) return absorbing;
      return values.every((v) => v === neutral) ? neutral : 'unknown';
    }
  }
}
