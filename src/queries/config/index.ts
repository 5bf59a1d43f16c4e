import type { EvidenceQuery } from '../types.js';
import { recorderStatus } from './recorder-status.js';
import { deliveryChannels } from './delivery-channels.js';
import { ruleCompliance } from './rule-compliance.js';
import { conformancePacks } from './conformance-packs.js';
import { resourceInventory } from './resource-inventory.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [recorderStatus, deliveryChannels, ruleCompliance, conformancePacks, resourceInventory];
