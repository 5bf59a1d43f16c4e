import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * DNS lookup for SDK HTTP agents: `localhost` and every `*.localhost` name resolve to 127.0.0.1 (RFC 6761),
 * everything else goes to the system resolver. S3 Control prefixes the account id to its endpoint host
 * (`<account>.<host>`), so a loopback endpoint override only works when `<account>.localhost` resolves.
 */
export function localhostAwareLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    if (options.all) process.nextTick(callback, null, [{ address: '127.0.0.1', family: 4 }]);
    else process.nextTick(callback, null, '127.0.0.1', 4);
    return;
  }
  (dnsLookup as unknown as (h: string, o: LookupOptions, cb: LookupCallback) => void)(hostname, options, callback);
}
