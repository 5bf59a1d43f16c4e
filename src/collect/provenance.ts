import { callerArnOf, type AwsClientProvider, type LoggedCall } from '../aws/clients.js';
import { SDK_VERSION, TOOL_NAME, TOOL_VERSION } from '../version.js';
import type { EvidenceBody } from '../evidence/record.js';
import type { AccountTarget } from './targets.js';

export type Provenance = NonNullable<EvidenceBody['provenance']>;
export type RunSession = { accountId: string; credentials: 'assumed-role' | 'default-chain'; roleArn?: string; externalIdUsed: boolean; callerArn: string | null };

/** The provenance of one evidence body, from its logged calls (every page) and its account session's caller. */
export function provenanceOf(calls: readonly LoggedCall[], callerArn: string | null): Provenance {
  const endpoints = [...new Set(calls.map((c) => c.endpoint).filter((e): e is string => e !== undefined))];
  return {
    endpoint: endpoints[0] ?? null,
    ...(endpoints.length > 1 ? { endpoints } : {}),
    endpointsByOperation: endpointsByOperationOf(calls),
    callerArn,
    requestIds: calls.map((c) => c.requestId).filter((id): id is string => id !== undefined),
    responseDates: calls.map((c) => c.responseDate).filter((d): d is string => d !== undefined),
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    sdkVersion: SDK_VERSION,
  };
}

/**
 * The origins each operation's calls went to (every page), by IAM action, in order of action: a query calling two
 * services (or a delegated read) is judged call by call, not as a whole. A call that reached no endpoint names none.
 */
export function endpointsByOperationOf(calls: readonly LoggedCall[]): Record<string, string[]> {
  const byOperation = new Map<string, Set<string>>();
  for (const c of calls) {
    if (c.endpoint === undefined) continue;
    const set = byOperation.get(c.operation) ?? new Set<string>();
    set.add(c.endpoint);
    byOperation.set(c.operation, set);
  }
  return Object.fromEntries([...byOperation].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([operation, set]) => [operation, [...set].sort()]));
}

/** sts:GetCallerIdentity once per account session, shared by every task of the account. */
export class CallerIdentities {
  private readonly byAccount = new Map<string, Promise<string | null>>();

  of(accountId: string, clients: AwsClientProvider): Promise<string | null> {
    let p = this.byAccount.get(accountId);
    if (!p) this.byAccount.set(accountId, (p = callerArnOf(clients).then((arn) => arn ?? null)));
    return p;
  }

  /** An account's caller as a collection worker found it (the worker holds the account's session). */
  record(accountId: string, callerArn: string | null): void {
    this.byAccount.set(accountId, Promise.resolve(callerArn));
  }

  /** How each collected account's credentials were obtained, for the run manifest (never the external id itself). */
  async sessions(targets: readonly AccountTarget[], externalIdConfigured: boolean): Promise<RunSession[]> {
    const out: RunSession[] = [];
    for (const t of targets) {
      const callerArn = (await this.byAccount.get(t.accountId)) ?? null;
      out.push(
        t.roleArn
          ? { accountId: t.accountId, credentials: 'assumed-role', roleArn: t.roleArn, externalIdUsed: externalIdConfigured, callerArn }
          : { accountId: t.accountId, credentials: 'default-chain', externalIdUsed: false, callerArn },
      );
    }
    return out;
  }
}
