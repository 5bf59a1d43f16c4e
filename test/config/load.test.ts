import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, applyEnvOverrides } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'el-config-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('loadConfig', () => {
  it('refuses a control, line-break, bidirectional or zero-width character in the organisation name or the signing key id, naming the field and the character', () => {
    expect(() => loadConfig(undefined, { EVIDENCE_LOCKER_ORGANIZATION: 'Acme\u202eDELIAF' })).toThrow(/: organization: holds the character \\u202e at position 5: control, line-break, bidirectional and zero-width characters are refused in text the package prints/);
    expect(() => loadConfig(file('org-newline.yaml', 'organization: "Acme\\n# Verified by the QSA"\n'), {})).toThrow(/: organization: holds the character \\u000a at position 5/);
    expect(() => loadConfig(file('key-esc.yaml', 'signing:\n  kind: kms\n  keyId: "alias/evidence\\e[2K"\n'), {})).toThrow(/: signing\.keyId: holds the character \\u001b at position 15/);
    expect(() => loadConfig(file('org-zw.yaml', 'organization: "Acme\\u200bPay"\n'), {})).toThrow(/: organization: holds the character \\u200b at position 5/);
    // Markdown and markup characters are names like any other: VERIFY.md escapes them when it prints them.
    expect(loadConfig(file('org-md.yaml', 'organization: "Acme [Pay](https://x.example) <b>&</b>"\n'), {}).organization).toBe('Acme [Pay](https://x.example) <b>&</b>');
  });

  it('gives embedded defaults with no file: current account, local store, both frameworks, 6-year S3 retention default', () => {
    const c = loadConfig(undefined, {});
    expect(c.accounts.source).toBe('current');
    expect(c.store).toEqual({ kind: 'local', path: './evidence-store' });
    expect(c.frameworks).toEqual(['pci-dss-4.0.1', 'hipaa-security']);
    expect(c.collect.lookbackHours).toBe(24);
    expect(c.collect.eventOverlapMinutes).toBe(60);
  });

  it('reads a YAML file and applies defaults inside sections', () => {
    const p = file('ok.yaml', 'organization: Acme\nstore:\n  kind: s3\n  bucket: acme-evidence\ncollect:\n  lookbackHours: 48\n');
    const c = loadConfig(p, {});
    expect(c.organization).toBe('Acme');
    expect(c.store.kind === 's3' && c.store.retention).toEqual({ years: 6 });
    expect(c.store.kind === 's3' && c.store.mode).toBe('COMPLIANCE');
    expect(c.collect.lookbackHours).toBe(48);
    expect(c.collect.maxAttempts).toBe(8);
  });

  it('lets every field be overridden from the environment', () => {
    const p = file('env.yaml', 'store:\n  kind: s3\n  bucket: a-bucket\n');
    const c = loadConfig(p, {
      EVIDENCE_LOCKER_STORE__BUCKET: 'from-env',
      EVIDENCE_LOCKER_COLLECT__LOOKBACK_HOURS: '72',
      EVIDENCE_LOCKER_REGIONS__LIST: '["eu-west-1","eu-central-1"]',
      EVIDENCE_LOCKER_ORGANIZATION: 'Env Org',
    });
    expect(c.store.kind === 's3' && c.store.bucket).toBe('from-env');
    expect(c.collect.lookbackHours).toBe(72);
    expect(c.regions.list).toEqual(['eu-west-1', 'eu-central-1']);
    expect(c.organization).toBe('Env Org');
  });

  it('environment overrides are typed by the schema: an all-digit external id or bucket name stays a string', () => {
    const p = file('digits.yaml', 'store:\n  kind: s3\n  bucket: a-bucket\n');
    const c = loadConfig(p, { EVIDENCE_LOCKER_ACCOUNTS__EXTERNAL_ID: '123456', EVIDENCE_LOCKER_STORE__BUCKET: '123456789', EVIDENCE_LOCKER_COLLECT__MAX_ATTEMPTS: '5' });
    expect(c.accounts.externalId).toBe('123456');
    expect(c.store.kind === 's3' && c.store.bucket).toBe('123456789');
    // A number field still reads the digits as a number.
    expect(c.collect.maxAttempts).toBe(5);
    // `true` where text is wanted is text too; where a boolean is wanted it stays a boolean.
    expect(loadConfig(undefined, { EVIDENCE_LOCKER_ORGANIZATION: 'true' }).organization).toBe('true');
  });

  it('converts SCREAMING_SNAKE segments to camelCase paths', () => {
    expect(applyEnvOverrides({}, { EVIDENCE_LOCKER_DAEMON__HEALTH_PORT: '9000' }).merged).toEqual({ daemon: { healthPort: 9000 } });
  });

  const bad: [string, string, RegExp][] = [
    ['not yaml', 'store: [unclosed', /bad\.yaml:.*line 1.*not valid YAML/],
    ['a list', '- a\n- b\n', /must be a YAML mapping/],
    ['unknown field', 'stor:\n  kind: local\n', /Unrecognized key.*stor|stor/],
    ['bad store kind', 'store:\n  kind: ftp\n', /store\.kind/],
    ['bad account id', 'accounts:\n  source: list\n  list:\n    - id: "12345"\n', /accounts\.list\[0\]\.id: an AWS account id is 12 digits/],
    ['bad region', 'regions:\n  list: [mars-1]\n', /regions\.list\[0\]/],
    ['retention both', 'store:\n  kind: s3\n  bucket: abc\n  retention: { days: 10, years: 1 }\n', /store\.retention/],
    ['negative lookback', 'collect:\n  lookbackHours: -1\n', /collect\.lookbackHours/],
    ['negative event overlap', 'collect:\n  eventOverlapMinutes: -5\n', /collect\.eventOverlapMinutes.*cannot be negative/],
    ['fractional event overlap', 'collect:\n  eventOverlapMinutes: 7.5\n', /collect\.eventOverlapMinutes.*whole number of minutes/],
    ['event overlap over a day', 'collect:\n  eventOverlapMinutes: 2000\n', /collect\.eventOverlapMinutes.*at most 1440/],
    ['event overlap as text', 'collect:\n  eventOverlapMinutes: an hour\n', /collect\.eventOverlapMinutes.*number of minutes/],
    // Was: up to 43200 accepted, and STS refused every chained AssumeRole over an hour (every account a gap).
    ['a session longer than role chaining allows', 'accounts:\n  sessionDurationSeconds: 7200\n', /accounts\.sessionDurationSeconds: at most 3600 seconds: .*role chaining.*one hour/],
  ];
  for (const [name, text, re] of bad) {
    it(`rejects ${name} naming the file and field`, () => {
      const p = file('bad.yaml', text);
      let err: unknown;
      try {
        loadConfig(p, {});
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).exitCode).toBe(2);
      expect((err as Error).message).toContain('bad.yaml');
      expect((err as Error).message).toMatch(re);
    });
  }

  it('accepts member-role sessions of 15 minutes to an hour', () => {
    for (const seconds of [900, 3600]) expect(loadConfig(file('ok.yaml', `accounts:\n  sessionDurationSeconds: ${seconds}\n`), {}).accounts.sessionDurationSeconds).toBe(seconds);
  });

  it('names a missing file', () => {
    expect(() => loadConfig(join(dir, 'nope.yaml'), {})).toThrow(/nope\.yaml: cannot read the configuration file \(ENOENT\)/);
  });
});

describe('entity: what the assessed entity is, per framework', () => {
  it('is not declared by default, and reads a full declaration beside scope', () => {
    expect(loadConfig(undefined, {}).entity).toEqual({});
    const p = file('entity.yaml', 'entity:\n  pci-dss-4.0.1:\n    serviceProvider: true\n    multiTenantServiceProvider: false\n    designatedEntity: false\n');
    expect(loadConfig(p, {}).entity).toEqual({ 'pci-dss-4.0.1': { serviceProvider: true, multiTenantServiceProvider: false, designatedEntity: false } });
  });

  it('refuses a declaration that leaves a field out or mistypes it, naming the field', () => {
    const missing = file('entity-missing.yaml', 'entity:\n  pci-dss-4.0.1:\n    serviceProvider: false\n    multiTenantServiceProvider: false\n');
    expect(() => loadConfig(missing, {})).toThrow(/entity\.pci-dss-4\.0\.1\.designatedEntity: give true or false: whether the assessed entity is an entity a payment brand or acquirer designated/);
    const typo = file('entity-typo.yaml', 'entity:\n  pci-dss-4.0.1:\n    serviceProvider: "no"\n    multiTenantServiceProvider: false\n    designatedEntity: false\n');
    expect(() => loadConfig(typo, {})).toThrow(/entity\.pci-dss-4\.0\.1\.serviceProvider: give true or false/);
    const unknown = file('entity-unknown.yaml', 'entity:\n  pci-dss-4.0.1:\n    serviceProvider: false\n    multiTenantServiceProvider: false\n    designatedEntity: false\n    merchant: true\n');
    expect(() => loadConfig(unknown, {})).toThrow(/entity\.pci-dss-4\.0\.1.*merchant/);
  });

  it('reads whether the entity is an issuer (3.3.3) and has POS POI terminals on SSL or early TLS (A2.1.1); either may be left out', () => {
    const p = file('entity-issuer.yaml', 'entity:\n  pci-dss-4.0.1:\n    serviceProvider: false\n    multiTenantServiceProvider: false\n    designatedEntity: false\n    issuer: true\n    posPoiSslEarlyTls: false\n');
    expect(loadConfig(p, {}).entity).toEqual({ 'pci-dss-4.0.1': { serviceProvider: false, multiTenantServiceProvider: false, designatedEntity: false, issuer: true, posPoiSslEarlyTls: false } });
    const typo = file('entity-issuer-typo.yaml', 'entity:\n  pci-dss-4.0.1:\n    serviceProvider: false\n    multiTenantServiceProvider: false\n    designatedEntity: false\n    issuer: "yes"\n');
    expect(() => loadConfig(typo, {})).toThrow(/entity\.pci-dss-4\.0\.1\.issuer: give true or false: whether the assessed entity is an issuer or a company that supports issuing services/);
  });

  it('reads whether the entity has connection points to POS POI terminals on SSL or early TLS (A2.1.2); it may be left out', () => {
    const p = file('entity-connections.yaml', 'entity:\n  pci-dss-4.0.1:\n    serviceProvider: true\n    multiTenantServiceProvider: false\n    designatedEntity: false\n    posPoiSslEarlyTlsConnectionPoints: true\n');
    expect(loadConfig(p, {}).entity).toEqual({ 'pci-dss-4.0.1': { serviceProvider: true, multiTenantServiceProvider: false, designatedEntity: false, posPoiSslEarlyTlsConnectionPoints: true } });
    const typo = file('entity-connections-typo.yaml', 'entity:\n  pci-dss-4.0.1:\n    serviceProvider: true\n    multiTenantServiceProvider: false\n    designatedEntity: false\n    posPoiSslEarlyTlsConnectionPoints: 1\n');
    expect(() => loadConfig(typo, {})).toThrow(/entity\.pci-dss-4\.0\.1\.posPoiSslEarlyTlsConnectionPoints: give true or false: whether the assessed entity is an entity with existing connection points/);
  });

  // QSA: an issuer may keep sensitive authentication data for a documented issuing business need (3.3.1's note, 3.3.3);
  // the declaration names the document the assessor must see, and cannot say both "not an issuer" and "issuing need".
  const HEAD = 'entity:\n  pci-dss-4.0.1:\n    serviceProvider: false\n    multiTenantServiceProvider: false\n    designatedEntity: false\n';
  it('reads an issuing business need to keep sensitive authentication data, with the document that justifies it', () => {
    const p = file('entity-need.yaml', `${HEAD}    issuerWithBusinessNeed:\n      justificationDocument: "  SAD retention justification ISS-POL-7 v3  "\n`);
    expect(loadConfig(p, {}).entity['pci-dss-4.0.1']).toEqual({ serviceProvider: false, multiTenantServiceProvider: false, designatedEntity: false, issuerWithBusinessNeed: { justificationDocument: 'SAD retention justification ISS-POL-7 v3' } });
    const withIssuer = file('entity-need-issuer.yaml', `${HEAD}    issuer: true\n    issuerWithBusinessNeed: { justificationDocument: ISS-POL-7 }\n`);
    expect(loadConfig(withIssuer, {}).entity['pci-dss-4.0.1'].issuerWithBusinessNeed).toEqual({ justificationDocument: 'ISS-POL-7' });
  });

  it('refuses an issuing business need without its document, given as a flag, or declared by an entity that says it is not an issuer', () => {
    const blank = file('entity-need-blank.yaml', `${HEAD}    issuerWithBusinessNeed: { justificationDocument: "  " }\n`);
    expect(() => loadConfig(blank, {})).toThrow(/entity\.pci-dss-4\.0\.1\.issuerWithBusinessNeed\.justificationDocument: name the document that justifies keeping sensitive authentication data/);
    const missing = file('entity-need-missing.yaml', `${HEAD}    issuerWithBusinessNeed: {}\n`);
    expect(() => loadConfig(missing, {})).toThrow(/entity\.pci-dss-4\.0\.1\.issuerWithBusinessNeed\.justificationDocument: name the document/);
    const flag = file('entity-need-flag.yaml', `${HEAD}    issuerWithBusinessNeed: true\n`);
    expect(() => loadConfig(flag, {})).toThrow(/entity\.pci-dss-4\.0\.1\.issuerWithBusinessNeed: give \{ justificationDocument: "<title, version or reference>" \}/);
    const notIssuer = file('entity-need-not-issuer.yaml', `${HEAD}    issuer: false\n    issuerWithBusinessNeed: { justificationDocument: ISS-POL-7 }\n`);
    expect(() => loadConfig(notIssuer, {})).toThrow(/entity\.pci-dss-4\.0\.1\.issuerWithBusinessNeed: only an issuer or a company that supports issuing services may keep sensitive authentication data for an issuing business need: set issuer: true \(or leave it out\), or remove issuerWithBusinessNeed/);
  });

  // A2.1.3: every POS POI terminal service provider offers a secure service; connection points on SSL/early TLS are such connections.
  it('reads whether the entity provides connections into POS POI terminals (A2.1.3), and refuses denying it beside connection points on SSL or early TLS', () => {
    const p = file('entity-poi-service.yaml', 'entity:\n  pci-dss-4.0.1:\n    serviceProvider: true\n    multiTenantServiceProvider: false\n    designatedEntity: false\n    posPoiTerminalConnections: true\n    posPoiSslEarlyTlsConnectionPoints: false\n');
    expect(loadConfig(p, {}).entity['pci-dss-4.0.1']).toMatchObject({ posPoiTerminalConnections: true, posPoiSslEarlyTlsConnectionPoints: false });
    const typo = file('entity-poi-service-typo.yaml', 'entity:\n  pci-dss-4.0.1:\n    serviceProvider: true\n    multiTenantServiceProvider: false\n    designatedEntity: false\n    posPoiTerminalConnections: "yes"\n');
    expect(() => loadConfig(typo, {})).toThrow(/entity\.pci-dss-4\.0\.1\.posPoiTerminalConnections: give true or false: whether the assessed entity is an entity that provides connections into card-present POS POI terminals/);
    const both = file('entity-poi-service-both.yaml', 'entity:\n  pci-dss-4.0.1:\n    serviceProvider: true\n    multiTenantServiceProvider: false\n    designatedEntity: false\n    posPoiTerminalConnections: false\n    posPoiSslEarlyTlsConnectionPoints: true\n');
    expect(() => loadConfig(both, {})).toThrow(/entity\.pci-dss-4\.0\.1\.posPoiTerminalConnections: connection points to POS POI terminals that use SSL or early TLS are connections into POS POI terminals/);
  });

  it('refuses a multi-tenant service provider that is not a service provider', () => {
    const p = file('entity-mt.yaml', 'entity:\n  pci-dss-4.0.1:\n    serviceProvider: false\n    multiTenantServiceProvider: true\n    designatedEntity: false\n');
    expect(() => loadConfig(p, {})).toThrow(/entity\.pci-dss-4\.0\.1\.serviceProvider: a multi-tenant service provider is a service provider/);
  });
});
