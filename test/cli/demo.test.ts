import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo } from '../../src/cli/commands/demo.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { PackageManifestSchema } from '../../src/package/manifest.js';
import { RunManifestSchema } from '../../src/evidence/manifest.js';
import { publicKeyFingerprint } from '../../src/seal/verify-signature.js';
import { runVerifySh } from '../support/verify-sh.js';
import { csvRows } from '../package/csv-rows.js';
import { runPackageCli } from '../package/run-cli.js';

describe('demo', () => {
  it('seals its run as simulated, so its package is marked SIMULATED \u2014 NOT EVIDENCE and still verifies with verify.sh', async () => {
    const out = mkdtempSync(join(tmpdir(), 'el-demo-'));
    let printed = '';
    const r = await runDemo({ out, logLevel: 'silent', write: (s) => (printed += s) });
    expect(r.exitCode).toBe(0);
    expect(printed).toContain('marked SIMULATED \u2014 NOT EVIDENCE');
    expect(printed.trim().split('\n').at(-1)).toBe(r.zipPath);
    const dir = join(out, 'unzipped');
    await extractPackageZip(r.zipPath, dir);
    const m = PackageManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    expect(m.simulated).toBe(true);
    const run = RunManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'runs', m.runs[0].runId, 'manifest.json'), 'utf8')));
    expect(run.simulated).toBe(true);
    const fp = publicKeyFingerprint(readFileSync(join(dir, 'public-key.pem'), 'utf8'));
    // The closing hint shows the pinned command, with the demo key's fingerprint; the demo itself recomputed the results.
    expect(printed).toContain(`verify again with: evidence-locker verify ${r.zipPath} --expect-key ${fp} --recompute`);
    expect(printed).toMatch(/results recomputed from the sealed evidence with the evaluation inputs manifest\.json records: identical \(controls\.csv, /);
    // The CLI line the demo prints: VALID, pinned, with the results recomputed.
    const cli = await runPackageCli(['verify', r.zipPath, '--expect-key', fp, '--recompute']);
    expect(cli.code, cli.out + cli.err).toBe(0);
    expect(cli.out).toMatch(/results recompute \(/);
    expect(cli.out).not.toContain('they do not show the results follow from the evidence');
    // --recompute is about a package: with --store it is a usage error (exit 2), nothing verified.
    const usage = await runPackageCli(['verify', '--store', '--recompute']);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('--recompute re-derives a package\'s results from its evidence');
    const sh = runVerifySh(dir, [fp]);
    expect(sh.out).toContain('SIMULATED \u2014 NOT EVIDENCE');
    expect(sh.code).toBe(0);
    // The cover (with the simulated band and both frameworks' scope statements) ends on its own page.
    const pages = execFileSync('pdftotext', ['-layout', '-f', '1', '-l', '2', join(dir, 'report.pdf'), '-'], { encoding: 'utf8' }).split('\f');
    expect(pages[0]).toContain('VERIFY.md explains the offline checks');
    expect(pages[1]).not.toContain('VERIFY.md explains the offline checks');
    // The demo account has 17 regions enabled and the demo collects 2: it declares the other 15 out of scope, with a
    // reason, so the cover says so and carries no warning band, and no requirement is held back for them.
    const cover = pages[0].replace(/\s+/g, ' ');
    expect(cover).toContain('us-east-1, us-west-2; 15 other enabled region(s) not collected, declared out of scope');
    expect(cover).not.toContain('ENABLED REGIONS NOT COLLECTED OR UNKNOWN');
    // The demo's evidence came from the simulated AWS on loopback, not from AWS's endpoints: the cover says so.
    expect(cover).toMatch(/SIMULATED \u2014 NOT EVIDENCE EVIDENCE NOT FROM AWS ENDPOINTS \u2014 (\d+) of \1 collection records were collected from http:\/\/127\.0\.0\.1:\d+: not AWS's record/);
    expect(readFileSync(join(dir, 'controls.csv'), 'utf8')).not.toContain('ENABLED REGIONS');
    // The demo organisation is a merchant (not a service provider, not designated): the cover says so, and the
    // requirements for service providers, multi-tenant providers and designated entities are proposed not applicable.
    expect(cover).toContain('Frameworks pci-dss-4.0.1 (not a service provider, not designated), hipaa-security');
    const status = new Map(csvRows(readFileSync(join(dir, 'controls.csv'), 'utf8')).filter((r) => r.framework === 'pci-dss-4.0.1').map((r) => [r.requirement, r.status]));
    for (const id of ['10.7.1', '11.5.1.1', '12.5.2.1', 'A1.2.1', 'A3.2.1', 'A3.2.5', 'A3.2.5.1', 'A3.2.5.2', 'A3.2.6', 'A3.3.1', 'A3.4.1', 'A3.5.1']) expect(status.get(id), id).toBe('not-applicable');
    // The HIPAA scope holds what transmits ePHI for its application servers: the load balancers in front of them (their
    // listeners with them), so transmission security (164.312(e)) judges them; the marketing site's stays excluded.
    const transmission = csvRows(readFileSync(join(dir, 'population.csv'), 'utf8')).filter((p) => p.framework === 'hipaa-security' && p.requirement === '164.312(e)(1)' && p.resource_type === 'AWS::ElasticLoadBalancingV2::Listener');
    for (const lb of ['cardholder-data-checkout', 'cardholder-data-partner-api', 'orders-internal']) {
      const rows = transmission.filter((p) => p.resource.includes(`:listener/app/${lb}/`));
      expect(rows.length, lb).toBeGreaterThan(0);
      for (const p of rows) expect(p, lb).toMatchObject({ in_scope: 'true', scope_reason: expect.stringMatching(/^part of arn:aws:elasticloadbalancing:.*, which is in scope: load balancers in front of the application servers/) });
    }
    const marketing = transmission.filter((p) => p.resource.includes(':listener/app/marketing-site-web/'));
    expect(marketing.length).toBeGreaterThan(0);
    for (const p of marketing) expect(p.in_scope).toBe('false');
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.scope['pci-dss-4.0.1'].entity.definition).toEqual({ serviceProvider: false, multiTenantServiceProvider: false, designatedEntity: false });
  }, 300_000);
});
