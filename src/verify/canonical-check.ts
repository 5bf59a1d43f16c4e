import { explain, firstDifference } from '../seal/canonical-check.js';
import { packageManifestChunks, type PackageFile, type PackageManifest } from '../package/manifest.js';

/** The one check of signed manifest bytes (src/seal/canonical-check.ts), and its package-manifest form here. */
export { firstDuplicateKey, nonCanonicalRunManifest } from '../seal/canonical-check.js';

/** Why the package manifest's bytes are not the package manifest serialisation of `parsed`, or undefined when they are. */
export function nonCanonicalPackageManifest(bytes: Buffer, parsed: unknown): string | undefined {
  const { files, ...rest } = parsed as PackageManifest;
  let diff: number;
  try {
    diff = firstDifference(bytes, (onChunk) => {
      for (const chunk of packageManifestChunks(rest, files as Iterable<PackageFile>)) onChunk(chunk);
    });
  } catch (err) {
    return `cannot be written in the package manifest's serialisation (${(err as Error).message}), so the manifest is refused`;
  }
  return diff < 0 ? undefined : explain(bytes, diff, 'package manifest (canonical key order, two-space indented)');
}
