import type { EvidenceQuery } from '../types.js';
import { passwordPolicy } from './password-policy.js';
import { consoleMfa } from './console-mfa.js';
import { unusedCredentials } from './unused-credentials.js';
import { rootAccessKeys } from './root-access-keys.js';
import { accessKeyAge } from './access-key-age.js';
import { adminPolicies } from './admin-policies.js';
import { adminPrincipals } from './admin-principals.js';
import { passwordExpiry } from './password-expiry.js';
import { loginProfiles } from './login-profiles.js';
import { serviceSpecificCredentials } from './service-specific-credentials.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [passwordPolicy, consoleMfa, unusedCredentials, rootAccessKeys, accessKeyAge, adminPolicies, adminPrincipals, passwordExpiry, loginProfiles, serviceSpecificCredentials];
