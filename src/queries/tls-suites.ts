/**
 * One rule for the TLS 1.2 cipher suites a load balancer's SSL policy or a CloudFront security policy offers, so both
 * checks judge the same suites alike: a policy that accepts only TLS 1.2 or later but keeps suites without forward
 * secrecy, or CBC (or RC4) suites with a SHA-1 or MD5 MAC, needs review, naming them; it neither passes nor fails.
 * AEAD suites and ECDHE/DHE CBC suites with SHA-256/384 MACs, which NIST SP 800-52r2 lists for TLS 1.2 servers
 * (ELBSecurityPolicy-TLS13-1-2-2021-06 and CloudFront's TLSv1.2_2019 keep them), are not listed.
 */

/** What a passing policy was checked for, for the pass reason of either check. */
export const SUITES_CHECKED =
  'every TLS 1.2 cipher suite is forward secret (ECDHE or DHE key exchange) and none is a CBC or RC4 suite with a SHA-1 or MD5 MAC (AEAD suites and ECDHE CBC suites with SHA-256/384 MACs, which NIST SP 800-52r2 lists, are accepted; key sizes and curves are not judged)';

/**
 * Cipher suites (OpenSSL names; TLS 1.3 suites are TLS_*, all forward secret and AEAD) that the rule lists: those
 * without forward secrecy (RSA key transport, not ECDHE-/DHE-), and those neither AEAD (GCM, CHACHA20, CCM) nor
 * MAC'd with SHA-2: the TLS 1.0-era suites ending in -SHA (HMAC-SHA1) or -MD5, in CBC mode (whose MAC-then-encrypt
 * construction Lucky13-class attacks target) or RC4.
 */
export function weakSuites(names: readonly string[]): { noForwardSecrecy: string[]; sha1Mac: string[] } {
  const tls12 = names.filter((n) => !/^TLS_/.test(n));
  return {
    noForwardSecrecy: tls12.filter((n) => !/^(ECDHE|DHE)-/.test(n)),
    sha1Mac: tls12.filter((n) => !/GCM|CHACHA20|CCM/.test(n) && /-(SHA|MD5)$/.test(n)),
  };
}

/**
 * Why a policy that accepts only TLS 1.2 or later still needs review for the suites it offers, or undefined when every
 * suite passes the rule. `source` says where the suite list comes from when the evidence does not hold it.
 */
export function weakSuitesReview(policy: string, names: readonly string[], source = ''): string | undefined {
  const { noForwardSecrecy, sha1Mac } = weakSuites(names);
  const kept = [
    ...(noForwardSecrecy.length ? [`cipher suites without forward secrecy (RSA key transport: ${noForwardSecrecy.join(', ')})`] : []),
    ...(sha1Mac.length ? [`CBC or RC4 cipher suites with a SHA-1 or MD5 MAC (${sha1Mac.join(', ')})`] : []),
  ];
  if (!kept.length) return undefined;
  return `security policy ${policy} accepts only TLS 1.2 or later but still offers ${kept.join(' and ')}${source}, which ELBSecurityPolicy-TLS13-1-2-2021-06 and CloudFront's TLSv1.2_2019 no longer offer; whether they are acceptable strong cryptography is for the assessor to decide`;
}
