import type { Command } from 'commander';
import { commandContext, type GlobalOptions } from '../shared.js';
import { loadCatalogs } from '../../controls/load.js';
import { openStore } from '../../store/open-store.js';
import { openSigner } from '../../aws/open-signer.js';

interface AttestOptions extends GlobalOptions {
  framework: string;
  requirement: string;
  file?: string;
  by: string;
  note: string;
}

export function registerAttestCommand(program: Command): void {
  program
    .command('attest')
    .description('Seal manual evidence for a requirement: a written attestation, optionally with a document, stored write-once and signed')
    .requiredOption('--framework <id>', 'framework id, e.g. pci-dss-4.0.1')
    .requiredOption('--requirement <id>', 'requirement id, e.g. 12.10.1')
    .option('--file <path>', 'document to seal with the attestation (policy, review record, screenshot)')
    .requiredOption('--by <name>', 'who attests (recorded as stated; the AWS caller of a KMS key, or the local key, is recorded beside it)')
    .requiredOption('--note <text>', 'what is attested')
    .addHelpText('after', '\nThe requirement stays MANUAL in reports, with this attestation cited for the assessor to judge.')
    .action(async (opts: AttestOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<AttestOptions>();
      const { config, log } = commandContext(g);
      const catalogs = loadCatalogs(config.catalogDirs);
      const store = await openStore(config.store, { log });
      await store.preflight();
      const signer = await openSigner(config, { log });
      const [{ sealAttestation }, { describeAttester }] = await Promise.all([import('../../package/attest.js'), import('../../evidence/record.js')]);
      const r = await sealAttestation({ store, signer, catalogs, framework: opts.framework, requirement: opts.requirement, by: opts.by, note: opts.note, file: opts.file });
      process.stdout.write(
        `attestation for ${opts.framework} ${opts.requirement} sealed in run ${r.runId}\n` +
          `  ${describeAttester(opts.by.trim(), r.sealedBy)}\n` +
          `  record sha256 ${r.recordSha256}${r.fileSha256 ? `\n  document sha256 ${r.fileSha256}` : ''}\n` +
          `  manifest sha256 ${r.manifestSha256}\n`,
      );
    });
}
