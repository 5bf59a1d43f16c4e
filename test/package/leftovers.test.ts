import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStaleLeftovers } from '../../src/package/build.js';

describe('removeStaleLeftovers', () => {
  it('removes the working files of package runs whose process is gone, and keeps those of a live run and everything else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-leftovers-'));
    // A process id that is certainly free: a child that has already exited.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const alive = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 240_000)']);
    try {
      const zip = 'evidence-package_pci-dss-4.0.1_2026-01-01_2026-03-31.zip';
      mkdirSync(join(dir, `.${zip}.staging-${gone}`, 'views'), { recursive: true });
      writeFileSync(join(dir, `.${zip}.staging-${gone}`, 'views', 'report.pdf'), 'partial');
      writeFileSync(join(dir, `${zip}.partial-${gone}`), 'PK');
      writeFileSync(join(dir, `${zip}.central-${gone}`), '');
      mkdirSync(join(dir, `.${zip}.staging-${alive.pid}`));
      writeFileSync(join(dir, `${zip}.partial-${alive.pid}`), 'PK');
      writeFileSync(join(dir, zip), 'a finished package');
      writeFileSync(join(dir, 'notes.partial-12'), 'not ours: no .zip before the suffix');

      expect(await removeStaleLeftovers(dir)).toEqual([`${zip}.central-${gone}`, `${zip}.partial-${gone}`, `.${zip}.staging-${gone}`].sort());
      expect(readdirSync(dir).sort()).toEqual([zip, `${zip}.partial-${alive.pid}`, `.${zip}.staging-${alive.pid}`, 'notes.partial-12'].sort());
    } finally {
      alive.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
