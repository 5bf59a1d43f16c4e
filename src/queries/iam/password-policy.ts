import type { GetAccountPasswordPolicyCommandOutput } from '@aws-sdk/client-iam';
import { loadIamSdk } from '../../aws/sdk.js';
import { captureAbsence, defineQuery, isCapturedError, type CapturedError } from '../types.js';
import { dayParam } from './credential-report.js';

/** The parts of the password policy a requirement can judge, so each requirement is judged only on what it asks. */
export const PASSWORD_POLICY_CHECKS = ['length', 'composition', 'reuse'] as const;

export type PasswordPolicyEvidence = Omit<GetAccountPasswordPolicyCommandOutput, '$metadata'> | CapturedError;

export const passwordPolicy = defineQuery<PasswordPolicyEvidence>({
  id: 'iam.password-policy',
  service: 'iam',
  title: 'IAM user passwords follow the account password policy',
  description:
    'The account password policy IAM enforces when an IAM user console password is set or changed: minimum length, character classes, reuse prevention and maximum age. A policy change does not affect existing passwords, and when the policy took effect is not in the evidence, so passwords set before it are not shown to meet it.',
  remediation:
    'Set the account password policy (`aws iam update-account-password-policy`) with at least the required minimum length, numbers and letters required, and reuse of the last four passwords prevented; prefer federated sign-in through an identity provider that enforces the same rules.',
  scope: 'global',
  apiCalls: ['iam:GetAccountPasswordPolicy'],
  parameters: {
    minimumPasswordLength: { description: 'Shortest password length accepted (PCI DSS 8.3.6: 12 characters).', default: 12, looser: 'lower' },
    minimumPasswordReusePrevention: { description: 'Previous passwords that may not be reused (PCI DSS 8.3.7: the last 4).', default: 4, looser: 'lower' },
    passwordPolicyChecks: {
      description: `Which parts of the policy this requirement judges: ${PASSWORD_POLICY_CHECKS.join(', ')} (PCI DSS 8.3.6 judges length and composition, 8.3.7 reuse).`,
      default: ['length', 'composition', 'reuse'],
    },
  },
  async collect(ctx) {
    const { GetAccountPasswordPolicyCommand, IAMClient } = await loadIamSdk();
    return captureAbsence(() => ctx.clients.get(IAMClient).send(new GetAccountPasswordPolicyCommand({})), ['NoSuchEntityException', 'NoSuchEntity']);
  },
  evaluate(data, params) {
    const resource = { resource: 'account', resourceType: 'AWS::IAM::AccountPasswordPolicy' };
    if (isCapturedError(data)) {
      return [{ ...resource, status: 'fail', reason: `the account has no IAM password policy, so IAM accepts any password of 8 or more characters (${data.error.code})` }];
    }
    const p = data?.PasswordPolicy;
    if (!p) return [{ ...resource, status: 'error', reason: 'the evidence holds no GetAccountPasswordPolicy response' }];
    const minLength = dayParam(params.minimumPasswordLength, 12);
    const minReuse = dayParam(params.minimumPasswordReusePrevention, 4);
    const checks = checkList(params.passwordPolicyChecks);
    if (checks.length === 0) {
      return [{ ...resource, status: 'error', reason: `passwordPolicyChecks names none of ${PASSWORD_POLICY_CHECKS.join(', ')}, so nothing was judged` }];
    }
    const problems: string[] = [];
    if (checks.includes('length') && (p.MinimumPasswordLength ?? 0) < minLength) problems.push(`minimum length ${p.MinimumPasswordLength ?? 'unset'} is below ${minLength}`);
    if (checks.includes('composition') && !p.RequireNumbers) problems.push('numbers are not required');
    if (checks.includes('composition') && !p.RequireLowercaseCharacters && !p.RequireUppercaseCharacters) problems.push('letters are not required');
    if (checks.includes('reuse') && (p.PasswordReusePrevention ?? 0) < minReuse) problems.push(`reuse prevention ${p.PasswordReusePrevention ? `covers only the last ${p.PasswordReusePrevention}` : 'is off'} (at least ${minReuse} required)`);
    const summary = [
      `minimum length ${p.MinimumPasswordLength ?? 'unset'}`,
      `requires ${[p.RequireUppercaseCharacters && 'uppercase', p.RequireLowercaseCharacters && 'lowercase', p.RequireNumbers && 'numbers', p.RequireSymbols && 'symbols'].filter(Boolean).join(', ') || 'no character classes'}`,
      `reuse prevention ${p.PasswordReusePrevention ?? 'off'}`,
      p.ExpirePasswords && p.MaxPasswordAge ? `expiry after ${p.MaxPasswordAge} days` : 'no expiry',
    ].join('; ');
    return problems.length
      ? [{ ...resource, status: 'fail', reason: `the password policy is too weak: ${problems.join('; ')} (policy: ${summary})` }]
      : [
          {
            ...resource,
            status: 'pass',
            reason: `the password policy meets the judged ${checks.join(', ')} rules (${summary}); IAM applies it to passwords set or changed after it took effect, and passwords set before it are not shown to meet it`,
          },
        ];
  },
});

/** The recognised check names in a parameter value (an environment override may arrive as a comma-separated string). */
function checkList(value: unknown): string[] {
  const raw = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [...PASSWORD_POLICY_CHECKS];
  return raw.map((v) => String(v).trim()).filter((v) => (PASSWORD_POLICY_CHECKS as readonly string[]).includes(v));
}
