import type { PackageModel } from './model.js';

/** The openssl command that checks a detached manifest signature for the given algorithm. */
export function opensslVerifyCommand(algorithm: string, dir = '.'): string {
  const p = (f: string) => (dir === '.' ? f : `${dir}/${f}`);
  if (algorithm === 'ed25519') return `openssl pkeyutl -verify -pubin -inkey ${p('public-key.pem')} -rawin -in ${p('manifest.json')} -sigfile ${p('manifest.sig')}`;
  if (algorithm.startsWith('rsassa-pss-')) return `openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -verify ${p('public-key.pem')} -signature ${p('manifest.sig')} ${p('manifest.json')}`;
  return `openssl dgst -sha256 -verify ${p('public-key.pem')} -signature ${p('manifest.sig')} ${p('manifest.json')}`;
}

/**
 * What `opensslVerifyCommand` prints on success: `pkeyutl` (Ed25519) and `dgst` (ECDSA, RSA) word it differently,
 * and an assessor told to look for the wrong words would take a good package for a bad one.
 */
export function opensslVerifiedText(algorithm: string): string {
  return algorithm === 'ed25519' ? 'Signature Verified Successfully' : 'Verified OK';
}

/** VERIFY.md: how an assessor checks the package, with the tool and with standard tools alone. */
export function verifyGuide(model: PackageModel): string {
  const runLines = [...model.runs, ...model.attestationRuns]
    .map((r) => `    ${opensslVerifyCommand(r.manifest.signing.algorithm, `runs/${r.runId}`)}`)
    .slice(0, 5)
    .join('\n');
  const runTexts = [...new Set([...model.runs, ...model.attestationRuns].map((r) => opensslVerifiedText(r.manifest.signing.algorithm)))];
  const runExpect =
    runTexts.length === 1
      ? `Each must print "${runTexts[0]}".`
      : `Each must print "${opensslVerifiedText('ed25519')}" (Ed25519 keys) or "${opensslVerifiedText('ecdsa-p256-sha256')}" (ECDSA and RSA keys).`;
  const more = model.runs.length + model.attestationRuns.length > 5 ? `\n    # ... and the same for every other folder under runs/ (${model.runs.length + model.attestationRuns.length} runs)` : '';
  return `# Verifying this evidence package

Organisation: ${model.organization}
Frameworks: ${model.frameworks.map((f) => `${f.name} (${f.framework})`).join(', ')}
Period: ${model.period.from} to ${model.period.to} (UTC days)
Accounts: ${model.accounts.join(', ')}

Package signing key fingerprint (SHA-256 of the DER public key):
    ${model.signing.keyFingerprint}
Key id: ${model.signing.keyId}
Algorithm: ${model.signing.algorithm}

Confirm the fingerprint with the organisation through a channel other than this package (phone, a signed
letter, their published key list). A valid signature only proves the package was signed by whoever holds
that key.

The package id is the SHA-256 of \`manifest.json\`. It cannot be printed inside the files the manifest
lists; \`evidence-locker verify\` and \`sha256sum manifest.json\` print it.

## 1. With evidence-locker (offline, no AWS access needed)

    evidence-locker verify <this-package.zip>

It checks every line of SHA256SUMS, the package manifest signature and every file it lists (naming extra
or missing files), each run manifest signature, the hash chain between consecutive runs of each chain, and
the SHA-256 of every evidence record body. It prints the signing key fingerprints and key ids. Exit code 0
means valid; exit code 1 lists every file or record that failed.

## 2. With standard tools only

Unzip the package into an empty folder and run, in that folder:

    sha256sum -c SHA256SUMS

Every line must say OK. Then check the package manifest signature:

    ${opensslVerifyCommand(model.signing.algorithm)}

It must print "${opensslVerifiedText(model.signing.algorithm)}". Then check each sealed run the package includes:

${runLines}${more}

${runExpect}

Finally, check evidence bodies against the names they are stored under (each file is named by its SHA-256):

    for f in evidence/objects/sha256/*/*.json; do
      [ "$(sha256sum < "$f" | cut -d' ' -f1)" = "$(basename "$f" .json)" ] || echo "MISMATCH $f"
    done

Each run manifest (\`runs/<run>/manifest.json\`) lists its evidence records with their SHA-256 and the
SHA-256 of the previous run's manifest of the same chain (\`previous.manifestSha256\`); compare it with
\`sha256sum runs/<previous run>/manifest.json\` to follow the chain.

## What the signatures cover

- \`manifest.json\` lists every file of the package (except itself, \`manifest.sig\` and \`SHA256SUMS\`)
  with its SHA-256 and size, and every included run with the SHA-256 of its manifest.
- Each run manifest was signed when the run was sealed, before this package was built; its signature is
  checked with the public key stored next to it, whose fingerprint is also recorded in the manifest.
- Evidence bodies are content-addressed: a body's file name is its SHA-256.
`;
}
