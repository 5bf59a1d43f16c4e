import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { checkParameterOverrides, effectiveParameters, findCatalog, loadCatalogs } from '../../src/controls/load.js';
import { queryById } from '../../src/queries/index.js';

const catalogs = loadCatalogs();
const pci = findCatalog(catalogs, 'pci-dss-4.0.1');
const req = (id: string) => pci.requirements.find((r) => r.id === id)!;

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('effectiveParameters', () => {
  it('returns the catalog defaults when nothing is overridden', () => {
    expect(effectiveParameters(req('8.3.6'), {}, 'pci-dss-4.0.1')).toEqual({ minimumPasswordLength: 12, passwordPolicyChecks: ['length', 'composition'] });
    expect(effectiveParameters(req('8.3.6'), undefined, 'pci-dss-4.0.1')).toEqual({ minimumPasswordLength: 12, passwordPolicyChecks: ['length', 'composition'] });
    expect(effectiveParameters(req('1.2.3'))).toEqual({});
  });

  it('applies config.parameters[framework][requirement][name]', () => {
    const overrides = { 'pci-dss-4.0.1': { '8.3.6': { minimumPasswordLength: 16 } }, 'hipaa-security': { '8.3.6': { minimumPasswordLength: 99 } } };
    expect(effectiveParameters(req('8.3.6'), overrides, 'pci-dss-4.0.1')).toEqual({ minimumPasswordLength: 16, passwordPolicyChecks: ['length', 'composition'] });
    expect(effectiveParameters(req('10.5.1'), overrides, 'pci-dss-4.0.1')).toEqual({ minimumRetentionDays: 365, auditLogGroups: ['*'] });
  });

  it('accepts the requirement\'s own override map directly', () => {
    expect(effectiveParameters(req('8.2.6'), { maxUnusedDays: 45 })).toEqual({ maxUnusedDays: 45 });
  });

  it('does not change the catalog defaults', () => {
    effectiveParameters(req('8.2.6'), { maxUnusedDays: 45 });
    expect(req('8.2.6').parameters).toEqual({ maxUnusedDays: 90 });
  });

  it('rejects an unknown parameter name with the configuration path and the accepted names', () => {
    const err = configError(() => effectiveParameters(req('8.3.6'), { 'pci-dss-4.0.1': { '8.3.6': { minimumLength: 14 } } }, 'pci-dss-4.0.1'));
    expect(err.message).toBe('parameters.pci-dss-4.0.1.8.3.6.minimumLength: requirement 8.3.6 has no parameter "minimumLength"');
    expect(err.hint).toBe('parameters it accepts: minimumPasswordLength, passwordPolicyChecks');
  });

  it('rejects parameters for a requirement that takes none', () => {
    const err = configError(() => effectiveParameters(req('1.2.3'), { depth: 1 }));
    expect(err.hint).toMatch(/takes no parameters/);
  });

  it('rejects a value of the wrong type', () => {
    const err = configError(() => effectiveParameters(req('8.3.6'), { 'pci-dss-4.0.1': { '8.3.6': { minimumPasswordLength: '14' } } }, 'pci-dss-4.0.1'));
    expect(err.message).toBe('parameters.pci-dss-4.0.1.8.3.6.minimumPasswordLength: expected a number like the catalog default (12), got "14"');
  });
});

describe('checkParameterOverrides', () => {
  it('accepts valid overrides for loaded frameworks', () => {
    expect(() => checkParameterOverrides(catalogs, { 'hipaa-security': { '164.308(a)(7)(ii)(A)': { minimumBackupRetentionDays: 35 } } })).not.toThrow();
  });

  it('names an unknown framework', () => {
    const err = configError(() => checkParameterOverrides(catalogs, { 'pci-dss-4': {} }));
    expect(err.message).toBe('parameters.pci-dss-4: no loaded catalog has framework id "pci-dss-4"');
    expect(err.hint).toBe('known frameworks: hipaa-security, pci-dss-4.0.1');
  });

  it('names an unknown requirement', () => {
    const err = configError(() => checkParameterOverrides(catalogs, { 'pci-dss-4.0.1': { '8.3.66': { minimumPasswordLength: 14 } } }));
    expect(err.message).toBe('parameters.pci-dss-4.0.1.8.3.66: pci-dss-4.0.1 has no requirement "8.3.66"');
    expect(err.hint).toMatch(/8\.3\.6/);
  });

  it('hands every value a requirement gives its queries to the queries\' own checks: an admin port list naming no port fails at start-up, naming where it came from', () => {
    // A catalog of one's own may give ec2.admin-ports-open its ports; ["ssh"] would otherwise judge no port at all.
    const withPorts = (adminPorts: string[]) => [{ ...pci, requirements: pci.requirements.map((r) => (r.queries.includes('ec2.admin-ports-open') ? { ...r, parameters: { ...r.parameters, adminPorts } } : r)) }];
    const first = pci.requirements.find((r) => r.queries.includes('ec2.admin-ports-open'))!.id;
    const fromCatalog = configError(() => checkParameterOverrides(withPorts(['ssh', '3389']), undefined, queryById));
    expect(fromCatalog.message).toBe(`parameters.pci-dss-4.0.1.${first}.adminPorts: ["ssh","3389"] cannot be used by ec2.admin-ports-open: "ssh" is not a port number 0-65535; give port numbers such as ["22", "3389"]`);
    expect(fromCatalog.hint).toBe(`fix the value in the catalog of pci-dss-4.0.1 (requirement ${first})`);
    const fromConfig = configError(() => checkParameterOverrides(withPorts(['22']), { 'pci-dss-4.0.1': { [first]: { adminPorts: [] } } }, queryById));
    expect(fromConfig.message).toMatch(/adminPorts: \[\] cannot be used by ec2\.admin-ports-open: it names no port/);
    expect(fromConfig.hint).toMatch(/the configuration file/);
    // Without the lookup (or with good values) nothing more is checked.
    expect(() => checkParameterOverrides(withPorts(['ssh']), undefined)).not.toThrow();
    expect(() => checkParameterOverrides(withPorts(['22', '3389']), undefined, queryById)).not.toThrow();
    expect(() => checkParameterOverrides(catalogs, undefined, queryById)).not.toThrow();
  });
});
