import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header a callback carries: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`. */
export const SIGNATURE_HEADER = 'X-TikTok-Fleet-Signature';

/**
 * Signs a callback body the way receivers check it (the scheme Stripe made familiar): the
 * time is part of what is signed, so a captured request cannot be replayed later.
 */
export function signCallback(secret: string, body: string, timestampSec: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSec}.${body}`).digest('hex');
  return `t=${timestampSec},v1=${mac}`;
}

/**
 * What a receiving backend does: recompute the HMAC and compare in constant time, and
 * refuse signatures older than `toleranceSec`.
 */
export function verifyCallback(
  secret: string,
  body: string,
  header: string,
  options: { toleranceSec?: number; nowSec?: number } = {},
): boolean {
  const parts = Object.fromEntries(
    header.split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()];
    }),
  );
  const t = Number(parts.t);
  if (!Number.isInteger(t) || typeof parts.v1 !== 'string') return false;
  const now = options.nowSec ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (options.toleranceSec ?? 300)) return false;
  const expected = Buffer.from(signCallback(secret, body, t).split('v1=')[1] ?? '', 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
