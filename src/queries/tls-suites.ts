/**
 * One rule for the TLS 1.2 cipher suites a load balancer's SSL policy or a CloudFront security policy offers, so both
 * checks judge the same suites alike: a policy that accepts only TLS 1.2 or later but keeps suites that forward-secret
 * AEAD-only policies drop needs review, naming them; it neither passes nor fails.
 */

/**
 * Cipher suites (OpenSSL names; TLS 1.3 suites are TLS_*) that TLS 1.2 AEAD, forward-secret policies drop: those
 * without forward secrecy (RSA key transport, not ECDHE-/DHE-; every TLS 1.3 suite is forward secret) and those not
 * AEAD (CBC mode, whose MAC-then-encrypt construction Lucky13-class attacks target; no GCM, CHACHA20 or CCM).
 */
export function weakSuites(names: readonly string[]): { noForwardSecrecy: string[]; cbc: string[] } {
  const tls13 = (n: string) => /^TLS_/.test(n);
  return {
    noForwardSecrecy: names.filter((n) => !tls13(n) && !/^(ECDHE|DHE)-/.test(n)),
    cbc: names.filter((n) => !tls13(n) && !/GCM|CHACHA20|CCM/.test(n)),
  };
}

/**
 * Why a policy that accepts only TLS 1.2 or later still needs review for the suites it offers, or undefined when every
 * suite is forward secret and AEAD. `source` says where the suite list comes from when the evidence does not hold it.
 */
export function weakSuitesReview(policy: string, names: readonly string[], source = ''): string | undefined {
  const { noForwardSecrecy, cbc } = weakSuites(names);
  const kept = [
    ...(noForwardSecrecy.length ? [`cipher suites without forward secrecy (RSA key transport: ${noForwardSecrecy.join(', ')})`] : []),
    ...(cbc.length ? [`CBC-mode cipher suites (${cbc.join(', ')})`] : []),
  ];
  if (!kept.length) return undefined;
  return `security policy ${policy} accepts only TLS 1.2 or later but still offers ${kept.join(' and ')}${source}, which forward-secret AEAD-only policies (ELBSecurityPolicy-TLS13-1-2-Res-2021-06, CloudFront's TLSv1.2_2021) drop; whether they are acceptable strong cryptography is for the assessor to decide`;
}
