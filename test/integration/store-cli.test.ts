import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { GetObjectLegalHoldCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { registerStoreCommands } from '../../src/cli/commands/store.js';
import { S3EvidenceStore } from '../../src/store/s3.js';
import { CONTRACT_KEY_DIR, evidenceBody, sealBodies } from '../store/contract.js';
import { integrationEnv, rawClient, storeConfig, uniquePrefix } from './env.js';

const env = integrationEnv();
const raw = rawClient();
afterAll(() => raw.destroy());

async function run(configFile: string, ...args: string[]): Promise<{ out: string; exitCode?: number }> {
  let out = '';
  const program = new Command().exitOverride().option('-c, --config <file>').option('--log-level <level>');
  registerStoreCommands(program, { write: (t) => void (out += t) });
  process.exitCode = undefined;
  await program.parseAsync(['node', 'evidence-locker', '-c', configFile, '--log-level', 'silent', ...args]);
  const exitCode = typeof process.exitCode === 'number' ? process.exitCode : undefined;
  process.exitCode = undefined;
  return { out, ...(exitCode !== undefined ? { exitCode } : {}) };
}

describe('store commands on the Object Lock server', () => {
  it('store check, hold, store verify and release through the CLI', async () => {
    const prefix = uniquePrefix('cli');
    const dir = mkdtempSync(join(tmpdir(), 'el-it-cli-'));
    const configFile = join(dir, 'evidence-locker.yaml');
    writeFileSync(
      configFile,
      [
        'store:',
        '  kind: s3',
        `  bucket: ${env.bucket}`,
        `  prefix: ${prefix}`,
        `  endpoint: ${env.endpoint}`,
        '  forcePathStyle: true',
        `  region: ${env.region}`,
        '  retention:',
        '    days: 1',
        'signing:',
        '  kind: local',
        `  keyDir: ${CONTRACT_KEY_DIR}`,
        `stateDir: ${join(dir, 'state')}`,
        '',
      ].join('\n'),
    );
    const store = new S3EvidenceStore(storeConfig(prefix));
    const at = new Date();
    const day = at.toISOString().slice(0, 10);
    const { runId, records } = await sealBodies(store, [evidenceBody('cli-s3')], at);

    const check = await run(configFile, 'store', 'check');
    expect(check.out).toMatch(new RegExp(`store s3 s3://${env.bucket}/${prefix}`));
    expect(check.out).toMatch(/ok +object lock enabled/);
    expect(check.out).toMatch(/ok +default retention: default COMPLIANCE for 1 days/);
    expect(check.out).toMatch(/note default encryption/);
    expect(check.out).toMatch(/ +bucket policy denies tampering: /);
    expect(check.out).toMatch(/ +no lifecycle rule expires evidence: /);

    const held = await run(configFile, 'hold', '--from', day, '--to', day, '--reason', 'litigation 7');
    expect(held.out).toMatch(/legal hold placed on 4 object version\(s\) of 1 run\(s\); recorded as run \S+/);
    const lh = await raw.send(new GetObjectLegalHoldCommand({ Bucket: env.bucket, Key: records[0].location!.key, VersionId: records[0].location!.versionId }));
    expect(lh.LegalHold?.Status).toBe('ON');

    const verified = await run(configFile, 'store', 'verify', '--from', day, '--to', day);
    expect(verified.out).toMatch(/verification passed/);
    expect(verified.out).toContain(runId);
    expect(verified.out).toMatch(/\(legal-hold, chain legal-hold\)/);
    expect(verified.exitCode).toBe(0);

    const released = await run(configFile, 'release', '--from', day, '--to', day);
    expect(released.out).toMatch(/legal hold lifted from 4 object version\(s\) of 1 run\(s\)/);
    const off = await raw.send(new GetObjectLegalHoldCommand({ Bucket: env.bucket, Key: records[0].location!.key, VersionId: records[0].location!.versionId }));
    expect(off.LegalHold?.Status).toBe('OFF');
    store.destroy();
  });
});
