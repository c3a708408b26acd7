import { randomBytes } from 'node:crypto';

/**
 * TikTok's log ids are a 14-digit UTC timestamp (YYYYMMDDhhmmss) followed by 20 uppercase hex
 * characters, 34 in all (docs/tiktok-api.md, Response envelope), e.g.
 * `202210112248442CB9319E1FB30C1073F3`.
 */
export function newLogId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return stamp + randomBytes(10).toString('hex').toUpperCase();
}
