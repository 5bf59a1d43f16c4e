import { describe, expect, it } from 'vitest';
import { disjunctiveNormalForm, globMatches, implies, parseJsonPattern, PatternError, type PatternTest } from '../../../src/queries/cloudwatch/filter-pattern.js';

/** The pattern's disjuncts, each as the source texts of its tests. */
const dnf = (pattern: string, limit?: number) => disjunctiveNormalForm(parseJsonPattern(pattern), limit)?.map((d) => d.map((t) => t.source));
const test = (text: string): PatternTest => {
  const e = parseJsonPattern(`{ ${text} }`);
  if (!('test' in e)) throw new Error(text);
  return e.test;
};

describe('CloudWatch Logs JSON filter patterns', () => {
  it('&& binds tighter than ||, and parentheses regroup', () => {
    expect(dnf('{ $.a = 1 || $.b = 2 && $.c = 3 }')).toEqual([['$.a = 1'], ['$.b = 2', '$.c = 3']]);
    expect(dnf('{ $.a = 1 && $.b = 2 || $.c = 3 }')).toEqual([['$.a = 1', '$.b = 2'], ['$.c = 3']]);
    expect(dnf('{ ($.a = 1 || $.b = 2) && $.c = 3 }')).toEqual([['$.a = 1', '$.c = 3'], ['$.b = 2', '$.c = 3']]);
    expect(dnf('{(($.a=1))&&(($.b=2)||($.c=3))}')).toEqual([['$.a=1', '$.b=2'], ['$.a=1', '$.c=3']]);
  });

  it('a quoted value is one value, whatever operators, braces or escaped quotes it holds', () => {
    expect(parseJsonPattern('{ $.errorMessage = "$.eventName = StopLogging || ($.x = 1) }" }')).toEqual({
      test: { selector: '$.errorMessage', op: '=', value: { kind: 'string', text: '$.eventName = StopLogging || ($.x = 1) }' }, source: '$.errorMessage = "$.eventName = StopLogging || ($.x = 1) }"' },
    });
    expect(test('$.m = "say \\"hi\\" && go"')).toMatchObject({ value: { kind: 'string', text: 'say "hi" && go' } });
    // Quoted and bare strings are the same value.
    expect(implies(test('$.userIdentity.type = Root'), test('$.userIdentity.type = "Root"'))).toBe(true);
  });

  it('reads wildcards, numbers, regular expressions and the IS NULL, NOT EXISTS, IS TRUE and IS FALSE tests', () => {
    expect(test('$.errorCode = "*UnauthorizedOperation"')).toMatchObject({ op: '=', value: { kind: 'string', text: '*UnauthorizedOperation' } });
    expect(test('$.sourceIPAddress != 123.123.*')).toMatchObject({ op: '!=', value: { kind: 'string', text: '123.123.*' } });
    expect(test('$.latency >= 1000')).toMatchObject({ op: '>=', value: { kind: 'number', number: 1000 } });
    expect(test('$.message = %bind: address%')).toMatchObject({ value: { kind: 'regex', text: 'bind: address' } });
    expect(test('$.userIdentity.invokedBy NOT EXISTS')).toMatchObject({ selector: '$.userIdentity.invokedBy', op: 'NOT EXISTS' });
    expect(test('$.a IS NULL')).toMatchObject({ op: 'IS NULL' });
    expect(test('$.a is  true')).toMatchObject({ op: 'IS TRUE' });
    expect(test('$.a IS FALSE')).toMatchObject({ op: 'IS FALSE' });
    expect(test('$.items[0].name = x')).toMatchObject({ selector: '$.items[0].name' });
  });

  it('refuses what is not a JSON filter pattern or does not parse, saying where', () => {
    for (const bad of ['ConsoleLogin', '', '[ip, user, ...]', '{ $.a = 1', '{ ($.a = 1 }', '{ $.a = 1 }}', '{ a = 1 }', '{ $.a 1 }', '{ $.a = }', '{ $.a > big }', '{ $.a = "open }', '{ $.a = 1 && }', '{ $.a = 1 } extra']) {
      expect(() => parseJsonPattern(bad), bad).toThrow(PatternError);
    }
    expect(() => parseJsonPattern('{ ($.a = 1 }')).toThrow(/expected \) at character 12/);
  });

  it('stops expanding past the disjunct limit', () => {
    const pairs = Array.from({ length: 9 }, (_, i) => `($.f${i} = 1 || $.f${i} = 2)`).join(' && ');
    expect(dnf(`{ ${pairs} }`, 256)).toBeUndefined();
    expect(dnf(`{ ${pairs} }`, 512)).toHaveLength(512);
    expect(dnf(`{ ${Array.from({ length: 300 }, (_, i) => `$.a = ${i}`).join(' || ')} }`, 256)).toBeUndefined();
  });

  it('compares tests: wildcards cover what they match, a negation follows only from a value it rules out', () => {
    expect(globMatches('AccessDenied*', 'AccessDeniedException')).toBe(true);
    expect(globMatches('*UnauthorizedOperation', 'Client.UnauthorizedOperation')).toBe(true);
    expect(globMatches('a.c', 'abc')).toBe(false);
    expect(implies(test('$.errorCode = AccessDeniedException'), test('$.errorCode = "AccessDenied*"'))).toBe(true);
    expect(implies(test('$.errorCode = "AccessDenied*"'), test('$.errorCode = "Access*"'))).toBe(true);
    expect(implies(test('$.errorCode = "Access*"'), test('$.errorCode = "AccessDenied*"'))).toBe(false);
    expect(implies(test('$.eventName = CreateTrail'), test('$.eventName = *'))).toBe(true);
    expect(implies(test('$.eventName = CreateTrail'), test('$.eventName != HeadBucket'))).toBe(true);
    expect(implies(test('$.eventName = CreateTrail'), test('$.eventName != Create*'))).toBe(false);
    expect(implies(test('$.eventName = Create*'), test('$.eventName != HeadBucket'))).toBe(false);
    expect(implies(test('$.MFAUsed != "Yes"'), test('$.MFAUsed != Yes'))).toBe(true);
    expect(implies(test('$.MFAUsed != "Y*"'), test('$.MFAUsed != Yes'))).toBe(true);
    expect(implies(test('$.MFAUsed != Yes'), test('$.MFAUsed != "Y*"'))).toBe(false);
    expect(implies(test('$.a = 5'), test('$.a >= 3'))).toBe(true);
    expect(implies(test('$.a = 5'), test('$.a < 3'))).toBe(false);
    expect(implies(test('$.a NOT EXISTS'), test('$.a NOT EXISTS'))).toBe(true);
    expect(implies(test('$.a NOT EXISTS'), test('$.a IS NULL'))).toBe(false);
    expect(implies(test('$.a = %x%'), test('$.a = %x%'))).toBe(true);
    expect(implies(test('$.a = x'), test('$.a = %x%'))).toBe(false);
    expect(implies(test('$.a = x'), test('$.b = x'))).toBe(false);
  });
});
