import { describe, expect, it } from 'vitest';
import { markdownText } from '../../src/package/verify-guide.js';

/** What a viewer that links bare addresses (GitHub's extended autolinks, linkify) would take as a link: an unescaped one. */
const BARE_ADDRESS = /(^|[^\\])(https?|ftp):\/\/|(^|[^\\\p{L}\p{N}])www\.|[\p{L}\p{N}]@[\p{L}\p{N}]|[\p{L}\p{N}]\.\p{L}/u;

describe('VERIFY.md names: a bare address is text, not a link', () => {
  it('was: https://…, www.…, a bare domain and an e-mail address were printed as written, so a Markdown viewer linked them; now they are escaped', () => {
    const org = 'Acme Payments (https://acme.example/qsa-approved), see www.acme.example or qsa@acme.example, ftp://x.example';
    const shown = markdownText(org);
    expect(shown).toBe('Acme Payments (https\\://acme\\.example/qsa-approved), see www\\.acme\\.example or qsa\\@acme\\.example, ftp\\://x\\.example');
    expect(shown).not.toMatch(BARE_ADDRESS);
    // Markdown renders each escaped punctuation character as itself: the text reads back as the name.
    expect(shown.replace(/\\([!-/:-@[-`{-~])/g, '$1')).toBe(org);
  });

  it('leaves version numbers, key ARNs and plain sentences as they are', () => {
    expect(markdownText('PCI DSS 4.0.1')).toBe('PCI DSS 4.0.1');
    expect(markdownText('arn:aws:kms:us-east-1:111111111111:key/1234abcd')).toBe('arn:aws:kms:us-east-1:111111111111:key/1234abcd');
    expect(markdownText('Acme Inc. Payments')).toBe('Acme Inc. Payments');
  });
});
