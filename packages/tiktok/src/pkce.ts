import { createHash, randomBytes } from 'node:crypto';

// RFC 7636's unreserved characters, which TikTok's Login Kit pages also list.
const VERIFIER_CHARSET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
const VERIFIER_PATTERN = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * TikTok's docs disagree on the challenge encoding: the Desktop Login Kit page says hex of
 * SHA-256, RFC 7636 (and web clients such as arctic) use base64url. Both are offered; the
 * caller picks, and `hex` is the default because it is the only one TikTok itself documents.
 */
export type CodeChallengeEncoding = 'hex' | 'base64url';

/** A random code verifier of `length` (43-128) characters from the allowed set. */
export function createCodeVerifier(length = 64): string {
  if (!Number.isInteger(length) || length < 43 || length > 128) {
    throw new RangeError(`a code verifier must be 43 to 128 characters long, got ${length}`);
  }
  let out = '';
  // Rejection sampling: 256 is not a multiple of 66, so bytes at or above 198 would bias
  // the first characters of the set.
  const limit = 256 - (256 % VERIFIER_CHARSET.length);
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit) out += VERIFIER_CHARSET[byte % VERIFIER_CHARSET.length];
      if (out.length === length) break;
    }
  }
  return out;
}

export function isValidCodeVerifier(verifier: string): boolean {
  return VERIFIER_PATTERN.test(verifier);
}

/** S256 challenge of a verifier, in the chosen encoding. */
export function createCodeChallenge(
  verifier: string,
  encoding: CodeChallengeEncoding = 'hex',
): string {
  if (!isValidCodeVerifier(verifier)) {
    throw new RangeError('a code verifier must be 43 to 128 characters of [A-Za-z0-9-._~]');
  }
  return createHash('sha256').update(verifier, 'ascii').digest(encoding);
}

export interface PkcePair {
  codeVerifier: string;
  codeChallenge: string;
  codeChallengeMethod: 'S256';
}

export function createPkcePair(encoding: CodeChallengeEncoding = 'hex', length = 64): PkcePair {
  const codeVerifier = createCodeVerifier(length);
  return {
    codeVerifier,
    codeChallenge: createCodeChallenge(codeVerifier, encoding),
    codeChallengeMethod: 'S256',
  };
}
