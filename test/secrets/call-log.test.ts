import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClientProvider, withCallLog } from '../../src/aws/clients.js';
import { redactSecretInputs } from '../../src/log/logger.js';
import { startSimulatedAws, type SimulatedAws } from '../../src/simulator/server.js';
import { simulatorCredentials } from '../../src/simulator/env.js';
import { organizationWorld, ORG_MANAGEMENT_ACCOUNT_ID } from '../../src/simulator/worlds/organization.js';

/**
 * The call log records every SDK request's input into evidence bodies. An sts:AssumeRole made through the client
 * factory carries the external id (and a failed one must not either): it must not be recorded as given.
 */

const EXTERNAL_ID = 'canary-external-id-call-log-3d8a61';
let sim: SimulatedAws;
let member = '';
const savedEnv = { ...process.env };

beforeAll(async () => {
  const world = organizationWorld({ accounts: 2, regions: ['us-east-1'], externalId: EXTERNAL_ID });
  member = world.organization!.accountIds.find((id) => id !== ORG_MANAGEMENT_ACCOUNT_ID)!;
  sim = await startSimulatedAws({ world });
  process.env.AWS_ENDPOINT_URL_STS = sim.url;
});
afterAll(async () => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
  await sim.close();
});

describe('call log and secrets in request inputs', () => {
  it.each([
    ['succeeds', () => EXTERNAL_ID],
    ['is denied', () => `${EXTERNAL_ID}-wrong`],
  ])('an AssumeRole that %s is logged without its external id', async (_label, externalId) => {
    const provider = new AwsClientProvider({ accountId: ORG_MANAGEMENT_ACCOUNT_ID, region: 'us-east-1', credentials: simulatorCredentials(sim), maxAttempts: 1 });
    try {
      const logged = await withCallLog(() =>
        provider.get(STSClient).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${member}:role/EvidenceLockerReadOnly`, RoleSessionName: 'evidence-locker', ExternalId: externalId() })),
      );
      expect(logged.calls.map((c) => c.operation)).toEqual(['sts:AssumeRole']);
      const text = JSON.stringify(logged.calls);
      expect(text).toContain(member); // the role is recorded: the log is not simply empty
      expect(text).not.toContain('canary-external-id');
      expect(logged.calls[0].input).toMatchObject({ RoleSessionName: 'evidence-locker', ExternalId: '[REDACTED]' });
    } finally {
      provider.destroy();
    }
  });

  it('redacts secret members at any depth and leaves everything else as it was', () => {
    const input = { RoleArn: 'arn:aws:iam::111122223333:role/R', ExternalId: 'x', Tags: [{ Key: 'k', Value: 'v' }], Nested: { SessionToken: 't', Password: undefined, Count: 2 }, Body: new Uint8Array([1]) };
    expect(redactSecretInputs(input)).toEqual({ RoleArn: 'arn:aws:iam::111122223333:role/R', ExternalId: '[REDACTED]', Tags: [{ Key: 'k', Value: 'v' }], Nested: { SessionToken: '[REDACTED]', Password: undefined, Count: 2 }, Body: new Uint8Array([1]) });
    expect(input.ExternalId).toBe('x');
  });

  it('keeps a member named __proto__ (a tag key anyone may choose) as a member, in its place, its secrets still redacted', () => {
    const input = JSON.parse('{"Filters":[{"Name":"tag-key","Values":["a"]}],"__proto__":{"Password":"p","polluted":true},"Last":1}') as Record<string, unknown>;
    const out = redactSecretInputs(input) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['Filters', '__proto__', 'Last']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ Password: '[REDACTED]', polluted: true });
    expect((out as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
