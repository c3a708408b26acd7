import { createHmac, timingSafeEqual } from 'node:crypto';

/** How old (or how far in the future) a signed timestamp may be: replays older are refused. */
export const SIGNATURE_TOLERANCE_SEC = 300;

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: string };

/**
 * TikTok's `TikTok-Signature: t=<seconds>,s=<hex>` (docs/tiktok-api.md, Webhooks): HMAC-SHA256
 * keyed with the client secret over `t + "." + raw body`, the bytes as received (never the
 * re-serialised JSON), compared in constant time, then the age of `t`.
 */
export function verifyTikTokSignature(
  header: string | undefined,
  rawBody: Buffer,
  clientSecret: string,
  nowSec = Math.floor(Date.now() / 1000),
): SignatureCheck {
  if (!header) return { ok: false, reason: 'the TikTok-Signature header is missing' };
  const parts = new Map<string, string>();
  for (const element of header.split(',')) {
    const eq = element.indexOf('=');
    if (eq > 0) parts.set(element.slice(0, eq).trim(), element.slice(eq + 1).trim());
  }
  const t = parts.get('t');
  const s = parts.get('s');
  if (!t || !/^\d{1,12}$/.test(t) || !s || !/^[0-9a-fA-F]{64}$/.test(s)) {
    return { ok: false, reason: 'the TikTok-Signature header is malformed' };
  }
  const expected = createHmac('sha256', clientSecret).update(`${t}.`).update(rawBody).digest();
  if (!timingSafeEqual(expected, Buffer.from(s, 'hex'))) {
    return { ok: false, reason: 'the signature does not match' };
  }
  const timestamp = Number(t);
  if (Math.abs(nowSec - timestamp) > SIGNATURE_TOLERANCE_SEC) {
    return { ok: false, reason: 'the signature is too old' };
  }
  return { ok: true, timestamp };
}
