import { describe, expect, it } from 'vitest';
import { disjunctiveNormalForm, globMatches, globWithin, implies, parseJsonPattern, PatternError, UndocumentedSyntax, type PatternTest } from '../../../src/queries/cloudwatch/filter-pattern.js';

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

  it('a quoted value is one value, whatever operators or braces it holds', () => {
    expect(parseJsonPattern('{ $.errorMessage = "$.eventName = StopLogging || ($.x = 1) }" }')).toEqual({
      test: { selector: '$.errorMessage', op: '=', value: { kind: 'string', text: '$.eventName = StopLogging || ($.x = 1) }' }, source: '$.errorMessage = "$.eventName = StopLogging || ($.x = 1) }"' },
    });
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

  it('a backslash is left unread: CloudWatch Logs does not document it as an escape inside quotes, and refuses it outside', () => {
    // Before: the parser unescaped "Ro\ot" into Root and "\*oot" into the wildcard *oot.
    for (const p of ['{ $.userIdentity.type = "Ro\\ot" }', '{ $.userIdentity.type = "\\*oot" }', '{ $.m = "say \\"hi\\" && go" }', '{ $.a = x\\y }', '{ $.a\\b = 1 }']) {
      expect(() => parseJsonPattern(p), p).toThrow(UndocumentedSyntax);
    }
    expect(() => parseJsonPattern('{ $.userIdentity.type = "Ro\\ot" }')).toThrow('at character 25, its quoted value "Ro\\ot" has a backslash');
  });

  it('only space, tab, carriage return and line feed separate tokens; other characters outside quotes are left unread', () => {
    // Before: JavaScript's \s also skipped U+00A0, U+3000 and U+FEFF.
    for (const p of ['{ $.userIdentity.type = Root\ufeff}', '{ $.userIdentity.type\u00a0= Root }', '{ $.userIdentity.type =\u3000Root }', '{ $.a = R\u200boot }', '{ $.a = 1\v}']) {
      expect(() => parseJsonPattern(p), JSON.stringify(p)).toThrow(UndocumentedSyntax);
    }
    expect(() => parseJsonPattern('{ $.userIdentity.type\u00a0= Root }')).toThrow('at character 22, it has the character U+00A0 outside quotes');
    expect(dnf('{\t$.a = 1\r\n||\n$.b = 2 }')).toEqual([['$.a = 1'], ['$.b = 2']]);
    expect(test('$.a NOT\tEXISTS')).toMatchObject({ op: 'NOT EXISTS' });
    // Inside quotes any character is part of the value.
    expect(test('$.a = "R\u00a0oot"')).toMatchObject({ value: { text: 'R\u00a0oot' } });
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
    // A * inside a value is the character *: only first and last are wildcards (before: R*t matched Root).
    expect(globMatches('R*t', 'Root')).toBe(false);
    expect(globMatches('R*t', 'R*t')).toBe(true);
    expect(globMatches('*Unauthorized*Operation', 'Client.UnauthorizedOperation')).toBe(false);
    expect(globMatches('*Unauthorized*Operation', 'xUnauthorized*Operation')).toBe(true);
    expect(globMatches('Access*Denied*', 'AccessDenied')).toBe(false);
    expect(globMatches('*o*', 'AssumedRole')).toBe(true);
    expect(globMatches('*', '')).toBe(true);
    expect(globMatches('**', 'anything')).toBe(true);
    expect(implies(test('$.userIdentity.type = Root'), test('$.userIdentity.type = "R*t"'))).toBe(false);
    expect(implies(test('$.userIdentity.type = Root'), test('$.userIdentity.type = Ro*t'))).toBe(false);
    expect(implies(test('$.eventName = CreateTrail'), test('$.eventName = "Cr*l"'))).toBe(false);
    expect(implies(test('$.errorCode = "*UnauthorizedOperation"'), test('$.errorCode = "*Unauthorized*Operation"'))).toBe(false);
    expect(implies(test('$.errorCode = "*UnauthorizedOperation"'), test('$.errorCode = "*Unauthorized*"'))).toBe(true);
    expect(implies(test('$.errorCode = "*UnauthorizedOperation"'), test('$.errorCode = "**UnauthorizedOperation"'))).toBe(false);
    // Wildcard against wildcard: every text the first matches, the second must match.
    expect(globWithin('AccessDenied*', 'Access*')).toBe(true);
    expect(globWithin('AccessDenied*', '*Denied')).toBe(false);
    expect(globWithin('*Operation', '*')).toBe(true);
    expect(globWithin('Root*', '*Root')).toBe(false);
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
