/**
 * The simulated AWS world: accounts, their regional and global service state, and the credentials that map
 * an access key id to an account. Each service declares its own state shape in its own file by augmenting
 * `RegionalState` (per account and region) or `GlobalState` (per account), e.g.
 *
 *   declare module '../world.js' { interface RegionalState { cloudtrail: CloudTrailState } }
 *
 * and reads it with `account.regional(region, 'cloudtrail', emptyCloudTrailState)`.
 */

/** Per account and region; augmented by each regional service. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging in each simulated service
export interface RegionalState {}

/** Per account, not regional (S3 buckets, IAM, Organizations, ...); augmented by each global service. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging in each simulated service
export interface GlobalState {}

/** A role in an account that a principal may assume with sts:AssumeRole. */
export interface SimRole {
  name: string;
  /** Account ids allowed to assume the role (its trust policy, simplified). */
  trustedAccounts: string[];
  /** When set, AssumeRole must pass this ExternalId. */
  externalId?: string;
  /** A role that exists but whose trust policy denies every caller (a misconfigured member account). */
  denyAll?: boolean;
  maxSessionDurationSeconds?: number;
}

export class SimAccount {
  readonly regions = new Map<string, Partial<RegionalState>>();
  readonly global: Partial<GlobalState> = {};
  readonly roles = new Map<string, SimRole>();

  constructor(
    readonly id: string,
    readonly name: string,
    /** Regions enabled in the account (the Account service's ListRegions answers ENABLED for these). */
    readonly enabledRegions: string[],
    readonly email = `aws+${id}@example.com`,
  ) {}

  /** The state of one regional service in one region, created empty on first use. */
  regional<K extends keyof RegionalState>(region: string, key: K, init: () => RegionalState[K]): RegionalState[K] {
    let r = this.regions.get(region);
    if (!r) {
      r = {};
      this.regions.set(region, r);
    }
    let s = r[key];
    if (s === undefined) {
      s = init();
      r[key] = s;
    }
    return s as RegionalState[K];
  }

  /** The state of one global (account-wide) service, created empty on first use. */
  globalState<K extends keyof GlobalState>(key: K, init: () => GlobalState[K]): GlobalState[K] {
    let s = this.global[key];
    if (s === undefined) {
      s = init();
      this.global[key] = s;
    }
    return s as GlobalState[K];
  }

  arn(service: string, resource: string, region = ''): string {
    return `arn:aws:${service}:${region}:${this.id}:${resource}`;
  }
}

/** An access key the simulator recognises. */
export interface SimCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  accountId: string;
  /** The principal the key belongs to, as GetCallerIdentity reports it. */
  arn: string;
  userId: string;
  /** Server-side expiry (ms since epoch): calls after it fail with ExpiredToken. */
  expiresAt?: number;
  /** When temporary credentials were issued (ms since epoch). */
  issuedAt?: number;
}

export interface SimOrganization {
  id: string;
  managementAccountId: string;
  /** Member account ids in listing order (the management account included). */
  accountIds: string[];
  /** The root id (`r-...`); OUs and accounts without a parent below sit directly under it. */
  rootId?: string;
  organizationalUnits?: { id: string; name: string; parentId: string }[];
  /** Account id -> the OU it sits in; absent: the root. */
  accountParents?: Record<string, string>;
  /** The delegated administrator account per service (`guardduty`, `securityhub`): it sees every member's findings. */
  delegatedAdministrators?: Partial<Record<string, string>>;
}

export class SimWorld {
  readonly accounts = new Map<string, SimAccount>();
  readonly credentials = new Map<string, SimCredential>();
  organization?: SimOrganization;
  /** The server's clock; worlds and handlers read time through it so tests can pin it. */
  now: () => Date = () => new Date();
  private keySeq = 0;

  addAccount(account: SimAccount): SimAccount {
    this.accounts.set(account.id, account);
    return account;
  }

  account(id: string): SimAccount | undefined {
    return this.accounts.get(id);
  }

  /**
   * Long-term credentials of a principal in `accountId` (an IAM user by default). The key id encodes the
   * account so keys stay stable and readable: `AKIA<account id>00001`.
   */
  addUserCredentials(accountId: string, userName = 'evidence-locker', explicit?: { accessKeyId: string; secretAccessKey: string }): SimCredential {
    const seq = String(++this.keySeq).padStart(4, '0');
    const cred: SimCredential = {
      accessKeyId: explicit?.accessKeyId ?? `AKIA${accountId}${seq}`.slice(0, 20),
      secretAccessKey: explicit?.secretAccessKey ?? `sim-secret-${accountId}-${seq}`,
      accountId,
      arn: `arn:aws:iam::${accountId}:user/${userName}`,
      userId: `AIDA${accountId}${seq}`.slice(0, 21),
    };
    this.credentials.set(cred.accessKeyId, cred);
    return cred;
  }

  /** Temporary credentials for an assumed role session (what sts:AssumeRole returns). */
  issueSessionCredentials(accountId: string, roleName: string, sessionName: string, expiresAt: number): SimCredential {
    const seq = String(++this.keySeq).padStart(8, '0');
    const cred: SimCredential = {
      accessKeyId: `ASIA${accountId.slice(-8)}${seq}`.slice(0, 20),
      secretAccessKey: `sim-session-secret-${accountId}-${seq}`,
      sessionToken: `sim-session-token-${accountId}-${seq}`,
      accountId,
      arn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`,
      userId: `AROA${accountId}${seq.slice(-4)}:${sessionName}`,
      expiresAt,
      issuedAt: this.now().getTime(),
    };
    this.credentials.set(cred.accessKeyId, cred);
    return cred;
  }

  /** The first long-term credential of an account (what `simulatorEnv` hands out). */
  defaultCredentialsFor(accountId: string): SimCredential | undefined {
    for (const c of this.credentials.values()) if (c.accountId === accountId && !c.sessionToken) return c;
    return undefined;
  }
}
