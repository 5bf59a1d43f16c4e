import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { runPackageCli } from '../package/run-cli.js';
import { forgeRun, genuineScene, linkTo, rawPut } from './attacks.js';
import { configFor, insiderSuite } from './insider.js';

insiderSuite('local', async () => new LocalEvidenceStore(mkdtempSync(join(tmpdir(), 'el-insider-local-'))));

describe('insider attacks seen through the CLI (local store)', () => {
  it('was: verify --store printed ok and ignored --expect-key; now it exits 1 naming every foreign object, and --expect-key pins the trusted key', async () => {
    const root = mkdtempSync(join(tmpdir(), 'el-insider-cli-'));
    const scene = await genuineScene(new LocalEvidenceStore(root));
    await forgeRun(scene, { runId: '20261003T230000Z-f00001', day: '2026-10-03', previous: await linkTo(scene.store, scene.genuineRuns[2]) });
    await rawPut(scene.store, 'runs/zzzz-garbage/manifest.json', Buffer.from('not a manifest'));
    const cfg = configFor(`store:\n  kind: local\n  path: ${root}\n`);
    const genuine = await scene.genuine.fingerprint();

    const pinned = await runPackageCli(['-c', cfg, '--log-level', 'silent', 'verify', '--store', '--from', '2026-10-01', '--to', '2026-10-31', '--expect-key', genuine]);
    expect(pinned.code).toBe(1);
    expect(pinned.out).toContain('FOREIGN runs/20261003T230000Z-f00001/manifest.json: signed by a key that is not one of the trusted signing keys');
    expect(pinned.out).toContain('FOREIGN runs/zzzz-garbage/manifest.json: the run folder cannot be read as a sealed run');
    expect(pinned.out).toMatch(/2 foreign object\(s\)/);
    for (const id of scene.genuineRuns) expect(pinned.out).toContain(`ok   ${id}`);

    // Pinning the attacker's key instead turns every genuine run foreign: the pin is what decides.
    const wrongPin = await runPackageCli(['-c', cfg, '--log-level', 'silent', 'verify', '--store', '--from', '2026-10-01', '--to', '2026-10-31', '--expect-key', await scene.attacker.fingerprint(), '--json']);
    expect(wrongPin.code).toBe(1);
    const json = JSON.parse(wrongPin.out) as { foreign: { runId: string; reason: string }[] };
    for (const id of scene.genuineRuns) expect(json.foreign).toContainEqual(expect.objectContaining({ runId: id, reason: 'untrusted-key' }));

    // No trusted key configured and none pinned: a usage error naming the fix, never a silent pass.
    const none = await runPackageCli(['-c', cfg, '--log-level', 'silent', 'verify', '--store']);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/no trusted signing key/);
  });
});
