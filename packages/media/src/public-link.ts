import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring links to files under MEDIA_ROOT, for TikTok to pull photos from
 * (docs/architecture.md, Photo posts). The signature is an HMAC-SHA256 of the path and the
 * expiry, so a link opens exactly one file until its time is up, and no other file can be
 * reached by editing it.
 */
export interface SignMediaLinkInput {
  /** MEDIA_PUBLIC_BASE_URL: the prefix verified with TikTok, ending where the path starts. */
  baseUrl: string;
  /** `/`-separated, relative to MEDIA_ROOT. */
  relativePath: string;
  secret: string;
  ttlSec: number;
  now?: Date;
}

function signature(secret: string, relativePath: string, expires: number): string {
  return createHmac('sha256', secret).update(`${relativePath}\n${expires}`).digest('hex');
}

export function signMediaLink(input: SignMediaLinkInput): string {
  const now = input.now ?? new Date();
  const expires = Math.floor(now.getTime() / 1000) + input.ttlSec;
  const base = input.baseUrl.endsWith('/') ? input.baseUrl : `${input.baseUrl}/`;
  const path = input.relativePath.split('/').map(encodeURIComponent).join('/');
  const sig = signature(input.secret, input.relativePath, expires);
  return `${base}${path}?expires=${expires}&signature=${sig}`;
}

export type MediaLinkVerdict = 'ok' | 'expired' | 'bad_signature';

export function verifyMediaLink(input: {
  relativePath: string;
  expires: string | undefined;
  signature: string | undefined;
  secret: string;
  now?: Date;
}): MediaLinkVerdict {
  const expires = Number(input.expires);
  if (!Number.isSafeInteger(expires) || typeof input.signature !== 'string') {
    return 'bad_signature';
  }
  const expected = Buffer.from(signature(input.secret, input.relativePath, expires), 'hex');
  const given = Buffer.from(input.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return 'bad_signature';
  }
  const now = Math.floor((input.now ?? new Date()).getTime() / 1000);
  return now > expires ? 'expired' : 'ok';
}

/**
 * The links' key: MEDIA_PUBLIC_SIGNING_SECRET, or one derived from the token key (HMAC, so it
 * tells nothing about that key), the same in the API and every worker.
 */
export function mediaLinkSecret(config: {
  MEDIA_PUBLIC_SIGNING_SECRET?: string | undefined;
  TOKEN_ENCRYPTION_KEY: string;
}): string {
  return (
    config.MEDIA_PUBLIC_SIGNING_SECRET ??
    createHmac('sha256', config.TOKEN_ENCRYPTION_KEY)
      .update('tiktok-fleet media links')
      .digest('hex')
  );
}
