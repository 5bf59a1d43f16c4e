/** ECR state of the demo account: repositories and the registry's scanning configuration. */
import type { Repository } from '@aws-sdk/client-ecr';
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { ecrState } from '../services/ecr.js';

const DAY = 86_400_000;

function repository(account: SimAccount, region: string, name: string, created: Date, scanOnPush: boolean): Repository {
  return {
    repositoryArn: `arn:aws:ecr:${region}:${account.id}:repository/${name}`,
    registryId: account.id,
    repositoryName: name,
    repositoryUri: `${account.id}.dkr.ecr.${region}.amazonaws.com/${name}`,
    createdAt: created,
    imageTagMutability: 'IMMUTABLE',
    imageScanningConfiguration: { scanOnPush },
    encryptionConfiguration: { encryptionType: 'AES256' },
  };
}

/**
 * Demo home region: enhanced scanning (Amazon Inspector) with a continuous rule for the payments repositories, so
 * payments-api passes and batch-tools, which no rule matches, is not scanned. Other regions and generated accounts
 * have no repositories.
 */
export function seedEcr(account: SimAccount, world: WorldSeedContext): void {
  if (world.kind !== 'demo') return;
  const region = world.regions[0];
  const s = ecrState(account, region);
  const ago = (days: number) => new Date(world.now.getTime() - days * DAY);
  s.repositories.push(repository(account, region, 'payments-api', ago(400), false), repository(account, region, 'batch-tools', ago(900), false));
  s.scanning = { scanType: 'ENHANCED', rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: 'payments-*', filterType: 'WILDCARD' }] }] };
}
