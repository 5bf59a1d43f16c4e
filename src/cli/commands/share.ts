import type { Command } from 'commander';
import { commandContext, type GlobalOptions } from '../shared.js';
import { openStore } from '../../store/open-store.js';
import { ConfigError } from '../../errors.js';

interface ShareOptions extends GlobalOptions {
  expires: string;
}

export function registerShareCommand(program: Command): void {
  program
    .command('share')
    .description('Give an assessor a time-limited download link (presigned S3 GET URL) for a package kept in the write-once bucket')
    .argument('<package>', 'local package zip (uploaded under <prefix>packages/ first) or the file name of a package already in the bucket')
    .option('--expires <duration>', 'link lifetime: 30m, 12h, 7d (at most 7 days)', '7d')
    .addHelpText('after', '\nThe last line printed is the URL. A link signed with temporary credentials stops working when they expire.')
    .action(async (pkg: string, opts: ShareOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<ShareOptions>();
      // The S3 client and presigner load only for this command.
      const [{ S3EvidenceStore }, { parseExpires, sharePackage }] = await Promise.all([import('../../store/s3.js'), import('../../package/share.js')]);
      const seconds = parseExpires(opts.expires);
      const { config, log } = commandContext(g);
      const store = await openStore(config.store, { log });
      if (!(store instanceof S3EvidenceStore)) {
        throw new ConfigError('share: the evidence store is a local directory; links can only be made for packages in an S3 store', 'configure store.kind: s3, or send the package zip itself');
      }
      const r = await sharePackage(store, pkg, seconds);
      process.stdout.write(`${r.uploaded ? 'uploaded to' : 'sharing'} s3://${r.bucket}/${r.key}${r.versionId ? ` (version ${r.versionId})` : ''}\nlink valid until ${r.expiresAt}\n${r.url}\n`);
    });
}
