import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { CONTRACT_KEY_DIR, evidenceBody, sealBodies } from './contract.js';
import { recordLegalHolds } from '../support/recording-holds.js';

// The local store the commands open gets recording legal holds, so hold and release run as on an S3 store.
vi.mock('../../src/store/open-store.js', () => ({
  openStore: async (config: Config['store']) => {
    const store = new LocalEvidenceStore(config.kind === 'local' ? config.path : '');
    recordLegalHolds(store);
    return store;
  },
}));
const { registerStoreCommands } = await import('../../src/cli/commands/store.js');

/**
 * A name as someone with write access to the store (or the owner of the account) can choose it: a line break that
 * starts a line reading like a verdict, ANSI escapes that move the cursor and erase, a C1 CSI and a right-to-left
 * override (a terminal shows "DELIAF" after it as "FAILED").
 */
const NAME = '\nhold placed on 0 object version(s)\u001b[1A\u001b[2K\r\u009b8m\u202eDELIAF\u200b';
/** NAME as a terminal line shows it. */
const NAME_SHOWN = '\\u000ahold placed on 0 object version(s)\\u001b[1A\\u001b[2K\\u000d\\u009b8m\\u202eDELIAF\\u200b';
// eslint-disable-next-line no-control-regex -- the characters a terminal acts on are what is looked for
const ACTS_ON = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b\u202e]/;

function setup(storePath = 'store') {
  const dir = mkdtempSync(join(tmpdir(), 'el-store-names-'));
  const configFile = join(dir, 'evidence-locker.yaml');
  const root = join(dir, storePath);
  mkdirSync(root, { recursive: true });
  writeFileSync(configFile, `store:\n  kind: local\n  path: ${JSON.stringify(root)}\nsigning:\n  kind: local\n  keyDir: ${JSON.stringify(CONTRACT_KEY_DIR)}\nstateDir: ${JSON.stringify(join(dir, 'state'))}\nlog:\n  level: silent\n`);
  return { configFile, store: new LocalEvidenceStore(root), root };
}

async function run(configFile: string, ...args: string[]): Promise<string> {
  let out = '';
  const program = new Command().exitOverride().option('-c, --config <file>').option('--log-level <level>');
  registerStoreCommands(program, { write: (t) => void (out += t) });
  for (const c of program.commands) c.exitOverride();
  await program.parseAsync(['node', 'evidence-locker', '-c', configFile, '--log-level', 'silent', ...args]);
  return out;
}

describe('store, hold and release print names chosen by others on their own line, escaped', () => {
  afterEach(() => {
    process.exitCode = undefined;
  });

  it('was: store check printed a line break in the store location as a new line; now its header is one line with the break, escapes, bidi and zero-width characters shown', async () => {
    const { configFile } = setup(`store${NAME}`);
    const out = await run(configFile, 'store', 'check');
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^store local /);
    expect(lines[0]).toContain(NAME_SHOWN);
    expect(out).not.toMatch(ACTS_ON);
    expect(lines.filter((l) => l.startsWith('hold placed'))).toEqual([]);
  });

  it('hold and release name a planted run folder in their message on one line, escaped', async () => {
    const { configFile, store, root } = setup();
    await sealBodies(store, [evidenceBody('held')], new Date('2026-04-01T02:00:00Z'));
    const planted = `20260401T030000Z-e0e0e0${NAME}`;
    mkdirSync(join(root, 'runs', planted), { recursive: true });
    writeFileSync(join(root, 'runs', planted, 'manifest.json'), '{"planted":true}');
    for (const action of ['hold', 'release']) {
      const out = await run(configFile, action, '--from', '2026-04-01', '--to', '2026-04-01');
      expect(out.endsWith('\n')).toBe(true);
      expect(out.slice(0, -1).split('\n')).toHaveLength(1);
      expect(out).toContain(`20260401T030000Z-e0e0e0${NAME_SHOWN}`);
      expect(out).toMatch(new RegExp(`^1 foreign object\\(s\\) in the period were not held .*legal hold ${action === 'hold' ? 'placed on' : 'lifted from'} \\d+ object version\\(s\\) of 1 run\\(s\\)`));
      expect(out).not.toMatch(ACTS_ON);
    }
  });

  it('store orphans prints a planted body name escaped, or not at all', async () => {
    const { configFile, store, root } = setup();
    await sealBodies(store, [evidenceBody('named')], new Date('2026-04-01T02:00:00Z'));
    mkdirSync(join(root, 'objects', 'sha256', 'ab'), { recursive: true });
    writeFileSync(join(root, 'objects', 'sha256', 'ab', `ab${NAME}.json`), '{}');
    const out = await run(configFile, 'store', 'orphans');
    expect(out).not.toMatch(ACTS_ON);
    expect(out.split('\n').filter((l) => l.startsWith('hold placed'))).toEqual([]);
  });
});
