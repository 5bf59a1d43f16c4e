import { generateKeyPairSync, createPrivateKey, createPublicKey, sign as edSign, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync, renameSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import type { ManifestSigner } from './signer.js';
import { publicKeyFingerprint } from './verify-signature.js';

/**
 * Ed25519 signer for local use. The key pair is created on first use under `keyDir`
 * (private key mode 0600) and reused afterwards.
 */
export class LocalEd25519Signer implements ManifestSigner {
  readonly algorithm = 'ed25519';
  private constructor(private readonly privateKey: KeyObject, private readonly publicKey: KeyObject, readonly created: boolean) {}

  get keyId(): string {
    return `local:${publicKeyFingerprint(this.publicKey.export({ type: 'spki', format: 'pem' }).toString())}`;
  }

  static open(keyDir: string): LocalEd25519Signer {
    const privPath = join(keyDir, 'manifest-signing.key.pem');
    const pubPath = join(keyDir, 'manifest-signing.pub.pem');
    if (existsSync(privPath)) {
      const privateKey = createPrivateKey(readFileSync(privPath));
      if (privateKey.asymmetricKeyType !== 'ed25519') {
        throw new Error(`${privPath}: not an Ed25519 private key; move it aside to let a new key be created`);
      }
      return new LocalEd25519Signer(privateKey, createPublicKey(privateKey), false);
    }
    mkdirSync(keyDir, { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    // Write to temporary names then rename, so an interrupted first run never leaves half a key.
    writeFileSync(privPath + '.tmp', privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(pubPath + '.tmp', publicKey.export({ type: 'spki', format: 'pem' }));
    renameSync(privPath + '.tmp', privPath);
    renameSync(pubPath + '.tmp', pubPath);
    chmodSync(privPath, 0o600);
    return new LocalEd25519Signer(privateKey, publicKey, true);
  }

  async publicKeyPem(): Promise<string> {
    return this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  async fingerprint(): Promise<string> {
    return publicKeyFingerprint(await this.publicKeyPem());
  }

  async sign(message: Buffer): Promise<Buffer> {
    return edSign(null, message, this.privateKey);
  }
}
