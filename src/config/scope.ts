import { z } from 'zod';

const AccountId = z.string().regex(/^\d{12}$/, 'an AWS account id is 12 digits');
const Region = z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'an AWS region name such as us-east-1');

/**
 * Picks system components: every given field must match. `resource` is a glob (`*` any run of characters) matched
 * against the resource's ARN or name as the evidence names it, and against its last ARN segment.
 */
export const ScopeSelectorSchema = z
  .object({
    resource: z.string().min(1).optional(),
    resourceType: z.string().regex(/^AWS::[A-Za-z0-9]*::[A-Za-z0-9]+$/, 'a CloudFormation resource type such as AWS::S3::Bucket').optional(),
    account: AccountId.optional(),
    region: Region.optional(),
    /** Why the selected components are (or are not) in scope; shown in the population. */
    reason: z.string().min(3).optional(),
  })
  .strict()
  .refine((s) => s.resource !== undefined || s.resourceType !== undefined || s.account !== undefined || s.region !== undefined, 'a selector needs at least one of resource, resourceType, account, region');
export type ScopeSelector = z.infer<typeof ScopeSelectorSchema>;

/** The assessed environment of one framework (PCI DSS: the CDE and connected systems; HIPAA: systems holding ePHI). */
export const FrameworkScopeSchema = z
  .object({
    /** One sentence for the report cover, e.g. "cardholder data environment of the payments platform". */
    description: z.string().min(3).optional(),
    /** Accounts in scope; absent: every account collected. */
    accounts: z.array(AccountId).optional(),
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
