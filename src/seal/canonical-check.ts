import { canonicalChunks } from './canonical.js';

/**
 * Signed manifests are written in one serialisation only: a run manifest as canonical JSON (src/seal/canonical.ts),
 * the package manifest as its canonical key order indented by two spaces (packageManifestBytes). Bytes that are not
 * exactly that serialisation of what they parse to were not written by evidence-locker, and may read differently to
 * another parser: a key given twice is the last one to JSON.parse and the first one to verify.sh's field reader. Such a
 * manifest is refused whoever signed it, so every verifier sees the one meaning the signer's tool wrote: `verify` of a
 * package, `verify --store` and `package` (through RunClassifier) all ask this one check.
 */

/** Thrown to stop the serialisation at the first difference (the writer has no early exit). */
class Stop extends Error {}

/** Offset of the first byte where `bytes` differ from what `produce` hands over, or -1 when they are the same bytes. */
export function firstDifference(bytes: Buffer, produce: (onChunk: (chunk: string) => void) => void): number {
  let at = 0;
  let diff = -1;
  try {
    produce((chunk) => {
      const b = Buffer.from(chunk, 'utf8');
      if (at + b.length <= bytes.length && bytes.subarray(at, at + b.length).equals(b)) {
        at += b.length;
        return;
      }
      let i = 0;
      while (at + i < bytes.length && i < b.length && bytes[at + i] === b[i]) i++;
      diff = at + i;
      throw new Stop();
    });
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    return diff;
  }
  return at === bytes.length ? -1 : at;
}

/** The first key that appears twice in one object of `text` (valid JSON), with where that object sits. */
export function firstDuplicateKey(text: string): { key: string; where: string } | undefined {
  type Frame = { keys?: Set<string>; path: string; lastKey?: string; index: number };
  const stack: Frame[] = [];
  const childPath = () => {
    const top = stack.at(-1);
    if (!top) return '';
    return top.keys ? `${top.path}${top.path ? '.' : ''}${top.lastKey ?? ''}` : `${top.path}[${top.index}]`;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack.at(-1);
      let k = j + 1;
      while (k < text.length && /\s/.test(text[k])) k++;
      if (top?.keys && text[k] === ':') {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return { key, where: top.path ? `the object at ${top.path}` : 'the top-level object' };
        top.keys.add(key);
        top.lastKey = key;
      }
      i = j;
    } else if (c === '{') stack.push({ keys: new Set(), path: childPath(), index: 0 });
    else if (c === '[') stack.push({ path: childPath(), index: 0 });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',') {
      const top = stack.at(-1);
      if (top && !top.keys) top.index++;
    }
  }
  return undefined;
}

/** Where the refused manifest was read: a package (get it again) or the evidence store (investigate the signing key's use). */
export type CanonicalContext = 'package' | 'store';

const WHY: Record<CanonicalContext, string> = {
  package: 'evidence-locker never writes such a manifest, so it was altered or not built by evidence-locker: obtain the package again from the organisation',
  store:
    "evidence-locker never writes such a manifest, so something other than evidence-locker signed it with a trusted key: it is not evidence; keep the store as it is and find out who used the signing key",
};

export function explain(bytes: Buffer, diff: number, what: string, context: CanonicalContext = 'package'): string {
  const dup = firstDuplicateKey(bytes.toString('utf8'));
  const why = WHY[context];
  if (dup) return `key ${JSON.stringify(dup.key)} appears twice in ${dup.where}: parsers disagree on which value counts, so the manifest is refused; ${why}`;
  return `not the ${what} serialisation of its own content (first difference at byte ${diff}), so the manifest is refused; ${why}`;
}

/** Why a run manifest's bytes are not the canonical JSON of `parsed` (their JSON.parse), or undefined when they are. */
export function nonCanonicalRunManifest(bytes: Buffer, parsed: unknown, context: CanonicalContext = 'package'): string | undefined {
  let diff: number;
  try {
    diff = firstDifference(bytes, (onChunk) => canonicalChunks(parsed, onChunk, 1 << 16));
  } catch (err) {
    return `cannot be written as canonical JSON (${(err as Error).message}), so the manifest is refused`;
  }
  return diff < 0 ? undefined : explain(bytes, diff, 'canonical JSON', context);
}
