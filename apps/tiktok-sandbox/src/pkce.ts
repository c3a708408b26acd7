import { createHash } from 'node:crypto';

const verifierPattern = /^[A-Za-z0-9\-._~]{43,128}$/;

export function validVerifier(verifier: string): boolean {
  return verifierPattern.test(verifier);
}

/**
 * S256 only (docs/tiktok-api.md, Authorize request). TikTok's desktop docs encode the challenge as
 * hex, RFC 7636 and some web clients (arctic) as base64url; which one TikTok checks on web is
 * UNCONFIRMED, so both encodings verify.
 */
export function verifierMatches(verifier: string, challenge: string): boolean {
  const digest = createHash('sha256').update(verifier).digest();
  return (
    challenge.toLowerCase() === digest.toString('hex') || challenge === digest.toString('base64url')
  );
}
