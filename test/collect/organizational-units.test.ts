import { afterEach, describe, expect, it } from 'vitest';
import { organizationWorld, ORG_MANAGEMENT_ACCOUNT_ID, simulatorEnv } from '../../src/simulator/index.js';
import { resolveOrganizationalUnits } from '../../src/collect/organizational-units.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { ScopeConfigSchema } from '../../src/config/scope.js';
import { EvidenceLockerError } from '../../src/errors.js';
import { evaluateRun } from '../../src/evaluate/engine.js';
import { useSimulator } from '../simulator/helpers.js';
import { capturedLogger } from '../support/capture-log.js';

describe('scope by organizational unit', () => {
  const sim = useSimulator(() => ({ world: organizationWorld({ accounts: 7, regions: ['us-east-1'], seed: 5 }) }));
  const config = ConfigSchema.parse({ collect: { maxAttempts: 1 } });
  const savedEnv = { ...process.env };
  afterEach(() => {
    process.env = { ...savedEnv };
  });
  const tree = () => {
    const org = sim().world.organization!;
    const [workloads, payments] = org.organizationalUnits!;
    const under = (ou: string) => Object.entries(org.accountParents!).filter(([, p]) => p === ou).map(([id]) => id);
    return { org, workloads, payments, under };
  };

  it('resolves an OU to its ACTIVE accounts, nested OUs included, added to the listed accounts; the description says when', async () => {
    Object.assign(process.env, simulatorEnv(sim(), ORG_MANAGEMENT_ACCOUNT_ID));
    const { workloads, payments, under } = tree();
    expect(under(payments.id).length).toBeGreaterThan(0);
    const scope = ScopeConfigSchema.parse({
      pci: { description: 'CDE', accounts: [ORG_MANAGEMENT_ACCOUNT_ID], organizationalUnits: [payments.id] },
      hipaa: { organizationalUnits: [workloads.id] },
      other: { accounts: ['123456789012'] },
    });
    const resolved = await resolveOrganizationalUnits(scope, config, new Date('2026-12-03T10:00:00Z'), { log: capturedLogger().log });
    expect(resolved.pci.accounts).toEqual([ORG_MANAGEMENT_ACCOUNT_ID, ...under(payments.id)].sort());
    expect(resolved.hipaa.accounts).toEqual([...under(workloads.id), ...under(payments.id)].sort());
    expect(resolved.pci.organizationalUnits).toBeUndefined();
    expect(resolved.pci.description).toBe(`CDE (accounts of ${payments.id} as AWS Organizations listed them on 2026-12-03)`);
    expect(resolved.other).toBe(scope.other);
  });

  it('names the OU and what to do when it is not in the organization, or when the caller is not the management account', async () => {
    Object.assign(process.env, simulatorEnv(sim(), ORG_MANAGEMENT_ACCOUNT_ID));
    const ghost = `ou-${tree().org.rootId!.slice(2)}-zzzzzzzz`;
    const err = await resolveOrganizationalUnits(ScopeConfigSchema.parse({ pci: { organizationalUnits: [ghost] } }), config, new Date(), { log: capturedLogger().log }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EvidenceLockerError);
    expect((err as EvidenceLockerError).message).toBe(
      `scope.pci.organizationalUnits: ${ghost} could not be resolved to accounts: organizations:ListParents failed: ChildNotFoundException: We can't find an organizational unit (OU) or AWS account with the ChildId ${ghost} that you specified.`,
    );
    expect((err as EvidenceLockerError).hint).toMatch(/list-organizational-units-for-parent/);

    const member = tree().org.accountIds.find((id) => id !== ORG_MANAGEMENT_ACCOUNT_ID)!;
    Object.assign(process.env, simulatorEnv(sim(), member));
    const denied = await resolveOrganizationalUnits(ScopeConfigSchema.parse({ hipaa: { organizationalUnits: [tree().payments.id] } }), config, new Date(), { log: capturedLogger().log }).catch((e: unknown) => e);
    expect((denied as EvidenceLockerError).message).toMatch(new RegExp(`^scope\\.hipaa\\.organizationalUnits: ${tree().payments.id} could not be resolved to accounts: organizations:ListParents failed: AccessDeniedException`));
    expect((denied as EvidenceLockerError).hint).toMatch(/management account or of a delegated administrator account.*or list the accounts of .* under scope\.hipaa\.accounts/);
  });

  it('a stopped daemon action is not an OU that could not be resolved: the stop\'s own reason comes back, and Organizations is not asked', async () => {
    Object.assign(process.env, simulatorEnv(sim(), ORG_MANAGEMENT_ACCOUNT_ID));
    const stopping = new EvidenceLockerError('the daemon is stopping (SIGTERM)');
    const stop = new AbortController();
    stop.abort(stopping);
    const err = await resolveOrganizationalUnits(ScopeConfigSchema.parse({ pci: { organizationalUnits: [tree().payments.id] } }), config, new Date(), { log: capturedLogger().log, signal: stop.signal }).catch((e: unknown) => e);
    expect(err).toBe(stopping);
  });

  it('reads on where it stopped when Organizations still throttles an OU read after the SDK\'s retries (the management account\'s quota is shared)', async () => {
    Object.assign(process.env, simulatorEnv(sim(), ORG_MANAGEMENT_ACCOUNT_ID));
    const { workloads, payments, under } = tree();
    const scope = ScopeConfigSchema.parse({ pci: { organizationalUnits: [payments.id] }, hipaa: { organizationalUnits: [workloads.id] } });
    const on = new Date('2026-12-03T10:00:00Z');
    const calm = await resolveOrganizationalUnits(scope, config, on, { log: capturedLogger().log });
    // One attempt per call (collect.maxAttempts 1) and half of the calls of two of the reads throttled: the SDK gives up
    // at once each time (its adaptive retry mode then slows its own sending, as it would against AWS).
    sim().setFaults({ seed: 7, rules: [{ service: 'organizations', operation: 'ListParents', throttleRate: 0.5 }, { service: 'organizations', operation: 'ListChildren', throttleRate: 0.5 }] });
    try {
      const { log, lines } = capturedLogger('warn');
      const waits: number[] = [];
      const throttled = await resolveOrganizationalUnits(scope, config, on, { log, sleep: async (ms) => void waits.push(ms) });
      expect(throttled).toEqual(calm);
      expect(throttled.hipaa.accounts).toEqual([...under(workloads.id), ...under(payments.id)].sort());
      const pauses = lines.filter((l) => typeof l.msg === 'string' && /^organizations:(ListParents|ListChildren) is still throttled after the SDK's retries/.test(l.msg));
      expect(pauses.length).toBeGreaterThan(0);
      expect(pauses.length).toBe(waits.length);
      expect([...new Set(pauses.map((p) => p.action))].sort()).toEqual(['organizations:ListChildren', 'organizations:ListParents']);
    } finally {
      sim().setFaults({});
    }
  });

  it('takes the caller\'s logger, never one of its own: a resolution without one does not compile', () => {
    // Type checks only (`npm run typecheck`), never called: each line must stay an error, or its directive fails the check.
    const unlogged = (scope: Parameters<typeof resolveOrganizationalUnits>[0]) => {
      // @ts-expect-error the options (with the caller's log) are required
      void resolveOrganizationalUnits(scope, config, new Date());
      // @ts-expect-error `log` is required in them
      void resolveOrganizationalUnits(scope, config, new Date(), { sleep: async () => undefined });
    };
    expect(typeof unlogged).toBe('function');
  });

  it('makes no AWS call without OUs, rejects malformed OU ids, and never evaluates an unresolved OU scope as every account', async () => {
    const scope = ScopeConfigSchema.parse({ pci: { accounts: ['123456789012'] } });
    process.env.AWS_ENDPOINT_URL_ORGANIZATIONS = 'http://127.0.0.1:1';
    expect(await resolveOrganizationalUnits(scope, config, new Date(), { log: capturedLogger().log })).toBe(scope);
    expect(() => ScopeConfigSchema.parse({ pci: { organizationalUnits: ['Payments'] } })).toThrow(/an Organizations OU id such as ou-ab12-cd34ef56/);
    const manifest = { runId: 'r', records: [], gaps: [], scope: { accounts: [], regions: [], frameworks: [], queries: [] } } as unknown as Parameters<typeof evaluateRun>[0]['manifest'];
    await expect(evaluateRun({ manifest, loadBody: async () => undefined as never, catalogs: [], frameworks: [], scope: ScopeConfigSchema.parse({ pci: { organizationalUnits: ['r-ab12'] } }) })).rejects.toThrow(/must be resolved to accounts/);
  });
});
