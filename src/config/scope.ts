import { z } from 'zod';

const AccountId = z.string().regex(/^\d{12}$/, 'an AWS account id is 12 digits');
const Region = z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'an AWS region name such as us-east-1');

/**
 * Picks system components: every given field must match. `resource` is a glob (`*` any run of characters) matched
 * against the resource's ARN or name as the evidence names it, and against its last ARN segment. `tags` match the
 * resource's tags as the Resource Groups Tagging API lists them (evidence query tagging.resources).
 */
export const ScopeSelectorSchema = z
  .object({
    resource: z.string().min(1).optional(),
    resourceType: z.string().regex(/^AWS::[A-Za-z0-9]*::[A-Za-z0-9]+$/, 'a CloudFormation resource type such as AWS::S3::Bucket').optional(),
    account: AccountId.optional(),
    region: Region.optional(),
    /** Tag key -> value glob (or a list of globs, any of which may match); every key must be present and match. */
    tags: z
      .record(z.string().min(1, 'a tag key is not empty').max(128, 'a tag key is at most 128 characters'), z.union([z.string().max(256, 'a tag value is at most 256 characters'), z.array(z.string().max(256)).min(1, 'list at least one value')]))
      .refine((t) => Object.keys(t).length > 0, 'name at least one tag key')
      .optional(),
    /** Why the selected components are (or are not) in scope; shown in the population. */
    reason: z.string().min(3).optional(),
  })
  .strict()
  .refine((s) => s.resource !== undefined || s.resourceType !== undefined || s.account !== undefined || s.region !== undefined || s.tags !== undefined, 'a selector needs at least one of resource, resourceType, account, region, tags');
export type ScopeSelector = z.infer<typeof ScopeSelectorSchema>;

/** The assessed environment of one framework (PCI DSS: the CDE and connected systems; HIPAA: systems holding ePHI). */
export const FrameworkScopeSchema = z
  .object({
    /** One sentence for the report cover, e.g. "cardholder data environment of the payments platform". */
    description: z.string().min(3).optional(),
    /** Accounts in scope; absent: every account collected. */
    accounts: z.array(AccountId).optional(),
    /** Organizations OUs (or a root) whose accounts, nested OUs included, are in scope besides `accounts`; resolved when packaging. */
    organizationalUnits: z.array(z.string().regex(/^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/, 'an Organizations OU id such as ou-ab12-cd34ef56 (or a root id such as r-ab12)')).min(1).optional(),
    /** Regions in scope for regional resources; absent: every region collected. */
    regions: z.array(Region).optional(),
    /** System components in scope; absent: every component of the scoped accounts and regions. */
    include: z.array(ScopeSelectorSchema).optional(),
    /** Connected-to or security-impacting systems, in scope as such. */
    connected: z.array(ScopeSelectorSchema).default([]),
    /** Components taken out of scope; each needs a reason. */
    exclude: z.array(ScopeSelectorSchema.and(z.object({ reason: z.string().min(3, 'an exclusion needs a reason') }))).default([]),
  })
  .strict();
export type FrameworkScope = z.infer<typeof FrameworkScopeSchema>;

/** `scope:` of the configuration, per framework id. */
export const ScopeConfigSchema = z.record(z.string(), FrameworkScopeSchema);
export type ScopeConfig = z.infer<typeof ScopeConfigSchema>;

/** Whether any framework's scope selects or excludes by tag: then every collection gathers the tags (tagging.resources). */
export function scopeUsesTags(scope: ScopeConfig | undefined, frameworks?: readonly string[]): boolean {
  return Object.entries(scope ?? {}).some(([fw, s]) => (!frameworks || frameworks.includes(fw)) && [...(s.include ?? []), ...s.connected, ...s.exclude].some((sel) => sel.tags !== undefined));
}
