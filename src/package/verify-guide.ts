import type { PackageModel } from './model.js';
import { VERIFY_SCRIPT_SHA256 } from './verify-script.js';
import { visibleName } from '../log/terminal.js';

/**
 * A name chosen outside the tool (the organisation, a key id, a catalog's framework name) as VERIFY.md prints it: its
 * Markdown and HTML metacharacters escaped, so a viewer renders no link, image, emphasis or markup of it, and on one
 * line, with bidirectional and zero-width characters as [U+202E] and control characters as \u001b. A bare address
 * (`https://…`, `www.…`, `acme.example`, `name@host`) is no link either: a `:` before `//`, an `@` before a letter or
 * digit and a dot between a letter or digit and a letter are escaped too, so a viewer that links bare addresses
 * (GitHub's, linkify) finds none and shows the text as written; version numbers and ARNs stay as they are.
 */
export function markdownText(name: string): string {
  return visibleName(name.replace(/[\\`*_[\]<>&~|!]|:(?=\/\/)|@(?=[\p{L}\p{N}])|(?<=[\p{L}\p{N}])\.(?=\p{L})/gu, '\\$&'));
}

/** The openssl command that checks a detached manifest signature for the given algorithm. */
export function opensslVerifyCommand(algorithm: string, dir = '.'): string {
  const p = (f: string) => (dir === '.' ? f : `${dir}/${f}`);
  return opensslVerifyFileCommand(algorithm, p('public-key.pem'), p('manifest.json'), p('manifest.sig'));
}

/** The openssl command that checks `signature` over `file` with `key` for the given algorithm. */
export function opensslVerifyFileCommand(algorithm: string, key: string, file: string, signature: string): string {
  if (algorithm === 'ed25519') return `openssl pkeyutl -verify -pubin -inkey ${key} -rawin -in ${file} -sigfile ${signature}`;
  if (algorithm.startsWith('rsassa-pss-')) return `openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -verify ${key} -signature ${signature} ${file}`;
  return `openssl dgst -sha256 -verify ${key} -signature ${signature} ${file}`;
}

/** The command that prints a PEM public key's fingerprint (SHA-256 of its DER SubjectPublicKeyInfo). */
export function fingerprintCommand(pem = 'public-key.pem'): string {
  return `openssl pkey -pubin -in ${pem} -outform DER | sha256sum`;
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
  const runKeys = model.runSigningKeys.filter((k) => k.keyFingerprint !== model.signing.keyFingerprint);
  const keyArgs = [model.signing, ...runKeys].map((k) => `--key ${k.keyFingerprint}`).join(' ');
  return `# Verifying this evidence package
${model.simulated ? '\n**SIMULATED — NOT EVIDENCE.** The runs in this package were collected from the simulated AWS started by the\ndemo command, not from real accounts.\n' : ''}
Organisation: ${markdownText(model.organization)}
Frameworks: ${model.frameworks.map((f) => `${markdownText(f.name)} (${markdownText(f.framework)})`).join(', ')}
Period: ${model.period.from} to ${model.period.to} (UTC days)
Accounts: ${model.accounts.join(', ')}
Package built: ${model.builtAt}; last sealed run: ${model.generatedAt}

Package signing key fingerprint (SHA-256 of the DER public key):
    ${model.signing.keyFingerprint}
Key id: ${markdownText(model.signing.keyId)}
Algorithm: ${model.signing.algorithm}
${
  model.runSigningKeys.length > 1
    ? `\nWARNING: the runs in this package are signed by ${model.runSigningKeys.length} different keys:\n${model.runSigningKeys.map((k) => `    ${k.keyFingerprint}  ${markdownText(k.keyId)}`).join('\n')}\nConfirm every one of them; a run signed by a key the organisation does not confirm is not evidence.\n`
    : runKeys.length
      ? `\nThe runs are signed by another key than the package:\n${runKeys.map((k) => `    ${k.keyFingerprint}  ${markdownText(k.keyId)}`).join('\n')}\n`
      : ''
}
Confirm the fingerprint with the organisation through a channel other than this package (phone, a signed
letter, their published key list). Anyone can write a fingerprint into a package they built; a valid
signature only proves the package was signed by whoever holds that key. Every check below starts from the
fingerprint you confirmed, never from the one printed here. The fingerprint of a public key file:

    ${fingerprintCommand()}

The signing key signs for whoever may call kms:Sign with it (the collector role can): a run signed with it
days after the day it names verifies like a run sealed that day. Ask the organisation for the key's CloudTrail
\`Sign\` events over the period and reconcile them: one per run (collection, rebuilt day or attestation) at its
completion, three per package built (a signing check, manifest.sig, SHA256SUMS.sig), two per legal hold or
release (a signing check and its run). A Sign event without its run, or a run whose Sign event came later than
its completion, is a run written afterwards.

The package id is the SHA-256 of \`manifest.json\`. It cannot be printed inside the files the manifest
lists; \`evidence-locker verify\`, \`verify.sh\` and \`sha256sum manifest.json\` print it.

## 1. With evidence-locker (offline, no AWS access needed)

    evidence-locker verify <this-package.zip> --expect-key <confirmed fingerprint>

It checks that the zip's bytes are exactly the entries its central directory lists (nothing hidden that a
streaming extractor would also write), every line of SHA256SUMS and its signature, the package manifest signature and every file it lists
(naming extra or missing files), each run manifest signature, the hash chain between consecutive runs of each
chain, and the SHA-256 of every evidence record body; that manifest.json describes each run as the run's signed
manifest does (kind, chain, start and completion, key and key id, previous link, shard: the package key alone signs
manifest.json); that the missing shards it lists are those of the runs it holds, and its build time is recorded and
not before the last run's completion; and that the evidence set id and evaluation inputs id on the report cover are
the SHA-256 of the evidence set manifest.json describes and of the evaluation inputs it records; and that
evidence-index.csv, which names the record behind each E- reference the results cite, is the index the runs' signed
records give (verify.sh does not check this). With \`--expect-key\` (once per trusted key), a package or
run signed by any other key fails. Without it, the signatures are checked only against the keys the package
carries: VALID then only means internally consistent (anyone can re-sign a package), and the verdict says so.
When the organisation signs packages and runs with distinct keys, pin each for its role instead:
\`--expect-package-key <package key> --expect-run-key <run key>\` (verify.sh: \`--package-key\`, \`--run-key\`); a
package signed with a run key, or a run signed with the package key, then fails.
It prints the signing key fingerprints and key ids. Exit code 0 means valid; exit code 1 lists every file or
record that failed.

The results (controls.csv, findings.csv, testing-procedures.csv, population.csv, summary.json and the report,
HTML and OSCAL views) are the builder's statement: the signatures show who built the package and that nothing
changed since, not that the results follow from the evidence. To re-derive them, offline:

    evidence-locker verify <this-package.zip> --expect-key <confirmed fingerprint> --recompute

evaluates the package's own sealed runs and evidence bodies again with the evaluation inputs \`manifest.json\`
records (\`evaluation\`: tool version, catalogs and procedure maps by SHA-256, each embedded under \`inputs/\`
where you can read it, built-in ones too, parameter overrides, scope, exceptions register, build time) and compares
controls.csv, findings.csv, testing-procedures.csv, population.csv and summary.json; any difference is INVALID,
naming the file, requirement, account and both values. Run by another tool version than the one that built the
package, it says so: differences may then come from the versions; and for a catalog or map recorded as built in,
whether it holds one of that SHA-256 (if not, it cannot confirm that the builder shipped it; the results are
recomputed with the copy the signed manifest lists). \`verify.sh\` cannot do this (standard tools
do not evaluate evidence). Packages built before \`evaluation\` was recorded verify as before but cannot be
recomputed.

Both verifiers check the ends of the period: a chain's first run linking to a run dated inside the period that the
package does not hold, or a next run (recorded in manifest.json as \`chainEnds\` when the package was built) dated
inside the period, is INVALID; days at the start or end of the period without a run are a WARNING (period coverage)
naming the chain, its first or last run and the number of days, while the verdict stays VALID.

## 2. With standard tools only: verify.sh

\`verify.sh\` is a POSIX shell script using only sha256sum, openssl (3.0 or later), coreutils, awk, sed and
grep. It checks the unzipped folder, not the zip (a zip hiding entries from its central directory, which a streaming
extractor would write, is refused only by the command in section 1): read the package from the folder you check.
Unzip the package into an empty folder and run, in that folder:

    sh verify.sh ${keyArgs}

replacing each fingerprint by the one you confirmed (give \`--key\` once per trusted key). It checks, in order:
that public-key.pem is a pinned key; that SHA256SUMS.sig is that key's signature over SHA256SUMS; that every
file SHA256SUMS lists has its SHA-256 and that no other file exists; the signature over manifest.json, that it
lists every file with the same SHA-256 and names public-key.pem as its key, with that key's signing algorithm; that
every run under runs/ is listed in manifest.json with its manifest's SHA-256 and as its manifest describes it (kind,
chain, times, key, previous link, shard), signed by a pinned key (the one its manifest names, with its signing
algorithm) and its signature verifies; that the evidence set id and evaluation inputs id on the report cover are the
SHA-256 of what manifest.json describes (a package built before 2026-12-07 that records no evaluation inputs: not
checked, and it says so; one built then or later, or holding runs completed then or later, that records none is
refused); that no run the package holds is named by another as an abandoned seal attempt; that each signed refusal
record under refusals/ is canonical JSON signed by a pinned run key (the one it names, with its signing algorithm)
over its refusal and fits the refusal record schema, that every record a run names is there with the SHA-256 the run
gives it (each is printed as SEAL REFUSED), and that the runs of its chain and previous link name it (a run whose
seal may not have seen it is a warning); that the
runs of each chain link to each other by manifest hash, in order of start; the ends of the period (as in section
1); that manifest.json records its build time and that it is not before the last run's completion; that the missing shards manifest.json lists are those of the runs it holds; that every evidence body is stored under its SHA-256 and every record of the package's accounts, and every
attestation, has its body; and that each attestation names the key that signed its run as its sealer. It prints
every failure and exits 0 only when all checks hold (1 otherwise, 2 on a usage error). It reads the signature
algorithm from the key itself, not from text in the package. It also prints, as claims signed with the keys
(not proof): who sealed each attestation, the key id each run records, and the endpoint origin and caller the
evidence bodies record. What needs a JSON parser it leaves to section 1 and says so: that each manifest is the
one serialisation evidence-locker writes, that each body reads as an evidence body, whether each recorded origin
is an AWS endpoint of its query's service, the file sizes manifest.json lists, and \`--recompute\`.

A package altered by someone else could carry an altered script too. \`verify.sh\` is the same file in every
package built by ${model.tool.name} ${model.tool.version}; before running it, compare

    sha256sum verify.sh

with ${VERIFY_SCRIPT_SHA256}, as published with that version (the project README), or read it: it is short.
A copy obtained elsewhere checks this folder with \`sh <that copy> --package <this folder> --key <fingerprint>\`.

## 3. By hand, with the same tools

Do every step, in this order: each alone leaves a way to alter the package unnoticed (a package re-signed with
another key passes the signature checks; an added file, or a rewritten file with its checksum line, passes
\`sha256sum -c\` alone). First, this must print the fingerprint you confirmed:

    ${fingerprintCommand()}

Then the signature over SHA256SUMS, with that key:

    ${opensslVerifyFileCommand(model.signing.algorithm, 'public-key.pem', 'SHA256SUMS', 'SHA256SUMS.sig')}

It must print "${opensslVerifiedText(model.signing.algorithm)}". Then every file it lists, and no other:

    sha256sum -c SHA256SUMS
    find . ! -type d ! -name SHA256SUMS ! -name SHA256SUMS.sig | sed 's|^\\./||' | LC_ALL=C sort > /tmp/files-here
    cut -c67- SHA256SUMS | LC_ALL=C sort | diff - /tmp/files-here

Every line of the first must say OK, and the last must print nothing. Then the signature over the package
manifest, which must print the same:

    ${opensslVerifyCommand(model.signing.algorithm)}

Then check each sealed run the package includes (and the fingerprint of each \`runs/<run>/public-key.pem\` the
same way):

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

- \`SHA256SUMS\` lists every file of the package except itself and \`SHA256SUMS.sig\`, which is the package
  key's signature over it: with the pinned key, it binds every file, \`manifest.json\` and \`verify.sh\` included.
- \`manifest.json\` lists every file of the package (except itself, \`manifest.sig\`, \`SHA256SUMS\` and
  \`SHA256SUMS.sig\`) with its SHA-256 and size, and every included run with the SHA-256 of its manifest.
- Each run manifest was signed when the run was sealed, before this package was built; its signature is
  checked with the public key stored next to it, whose fingerprint must be one you confirmed.
- Evidence bodies are content-addressed: a body's file name is its SHA-256. \`evidence-locker verify\` and
  \`verify.sh\` also check that every record of the package's accounts in every included run, and every
  attestation, has its body.
- Who built the package and that nothing changed since; not that its results follow from the evidence. Anyone
  holding the package key could build a package with an altered evaluation and sign it: only
  \`evidence-locker verify --recompute\` re-derives the results from the sealed evidence and compares them.
`;
}
