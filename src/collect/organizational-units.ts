import type { Config } from '../config/schema.js';
import type { FrameworkScope, ScopeConfig } from '../config/scope.js';
import { AwsClientProvider } from '../aws/clients.js';
import { loadOrganizationsSdk } from '../aws/sdk.js';
import { EvidenceLockerError } from '../errors.js';
import { scrubSecrets, type Logger } from '../log/logger.js';
import { patientCall, resumablePages } from '../aws/resumable-pages.js';
import { isActiveAccount } from './targets.js';

/** What an operator does when an OU cannot be read, by the error Organizations answered. */
function hintFor(code: string, framework: string, ou: string): string {
  if (code === 'TooManyRequestsException') {
    return `AWS Organizations still throttled the reads after 10 minutes of pauses: other callers share the management account's quota; run the package again later, or list the accounts of ${ou} under scope.${framework}.accounts instead`;
  }
  if (code === 'ChildNotFoundException' || code === 'ParentNotFoundException') {
    return `check the id in scope.${framework}.organizationalUnits against \`aws organizations list-organizational-units-for-parent --parent-id <root or OU id>\` run in the management account`;
  }
  return `run this command with credentials of the organization's management account or of a delegated administrator account, allowed organizations:ListParents, organizations:ListChildren and organizations:ListAccountsForParent (deploy/collector.json grants them); or list the accounts of ${ou} under scope.${framework}.accounts instead`;
}

/** How OU reads are made patient: where pauses are logged, and (for tests) how a pause is waited. */
export interface OrganizationalUnitReads {
  /**
   * The caller's logger, required: a resolution held up for minutes by throttling says so in the log of the command or
   * daemon action that waits, not in a silent one of its own.
   */
  log: Logger;
  sleep?: (ms: number) => Promise<void>;
  /** The action's: once it aborts (the daemon stopping), a pause ends at once and the stop's reason is thrown as it came. */
  signal?: AbortSignal;
}

/** The pauses of every OU read of one resolution together: one allowance of patience (10 minutes), not one per listing. */
type SharedPatience = OrganizationalUnitReads & { waited: { ms: number } };

/**
 * The ACTIVE accounts below one OU or root, nested OUs included, sorted by id. Each read resumes where it stopped when
 * AWS Organizations still throttles it after the SDK's retries (the management account's one quota is shared with
 * every other caller: collector shards listing the organisation, other tools).
 */
async function accountsUnder(provider: AwsClientProvider, framework: string, ou: string, reads: SharedPatience): Promise<string[]> {
  const { OrganizationsClient, ListParentsCommand, paginateListAccountsForParent, paginateListChildren } = await loadOrganizationsSdk();
  const client = provider.get(OrganizationsClient);
  const accounts = new Set<string>();
  let step = 'organizations:ListParents';
  const patience = { log: reads.log, waited: reads.waited, ...(reads.sleep ? { sleep: reads.sleep } : {}), ...(reads.signal ? { signal: reads.signal } : {}) };
  const patient = <P extends { NextToken?: string }>(action: string, pages: (startingToken: string | undefined) => AsyncIterable<P>) =>
    resumablePages(pages, { action, nextToken: (page) => page.NextToken, ...patience });
  try {
    // Confirms the OU belongs to this organization before walking it (a root has no parent to ask for), as patient as
    // the listings. The answer itself is not needed: that it came is the check.
    if (ou.startsWith('ou-')) await patientCall(() => client.send(new ListParentsCommand({ ChildId: ou })), { action: step, ...patience });
    const queue = [ou];
    while (queue.length) {
      const parent = queue.shift()!;
      step = 'organizations:ListAccountsForParent';
      for await (const page of patient(step, (startingToken) => paginateListAccountsForParent({ client, ...(startingToken ? { startingToken } : {}) }, { ParentId: parent }))) {
        for (const a of page.Accounts ?? []) if (a.Id && isActiveAccount(a)) accounts.add(a.Id);
      }
      step = 'organizations:ListChildren';
      for await (const page of patient(step, (startingToken) => paginateListChildren({ client, ...(startingToken ? { startingToken } : {}) }, { ParentId: parent, ChildType: 'ORGANIZATIONAL_UNIT' }))) {
        for (const c of page.Children ?? []) if (c.Id) queue.push(c.Id);
      }
    }
  } catch (err) {
    // A stopped action is not an OU that could not be resolved.
    if (reads.signal?.aborted) throw reads.signal.reason;
    const e = err as { name?: string; message?: string };
    const code = e.name ?? 'Error';
    throw new EvidenceLockerError(`scope.${framework}.organizationalUnits: ${ou} could not be resolved to accounts: ${step} failed: ${code}: ${scrubSecrets(e.message ?? String(err))}`, {
      hint: hintFor(code, framework, ou),
      cause: err,
    });
  }
  return [...accounts].sort();
}

/**
 * Replaces each framework's `organizationalUnits` by the ACTIVE accounts below them (nested OUs included), added to
 * its `accounts`, as AWS Organizations lists them now; the scope's description records the OUs and the date.
 * Scopes without OUs are returned unchanged and no AWS call is made.
 */
export async function resolveOrganizationalUnits(scope: ScopeConfig, config: Pick<Config, 'regions' | 'collect'>, now: Date, reads: OrganizationalUnitReads): Promise<ScopeConfig> {
  if (!Object.values(scope).some((s) => s.organizationalUnits)) return scope;
  const provider = new AwsClientProvider({ accountId: 'current', region: config.regions.home, maxAttempts: config.collect.maxAttempts });
  const cache = new Map<string, string[]>();
  const patience: SharedPatience = { ...reads, waited: { ms: 0 } };
  try {
    const out: ScopeConfig = {};
    for (const [framework, s] of Object.entries(scope)) {
      if (!s.organizationalUnits) {
        out[framework] = s;
        continue;
      }
      const accounts = new Set(s.accounts ?? []);
      for (const ou of s.organizationalUnits) {
        let list = cache.get(ou);
        if (!list) {
          list = await accountsUnder(provider, framework, ou, patience);
          cache.set(ou, list);
        }
        for (const a of list) accounts.add(a);
      }
      const { organizationalUnits, ...rest } = s;
      const resolved: FrameworkScope = {
        ...rest,
        accounts: [...accounts].sort(),
        description: `${s.description ?? 'declared scope'} (accounts of ${organizationalUnits.join(', ')} as AWS Organizations listed them on ${now.toISOString().slice(0, 10)})`,
      };
      out[framework] = resolved;
    }
    return out;
  } finally {
    provider.destroy();
  }
}
