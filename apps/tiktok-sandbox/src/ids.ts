import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';

/**
 * Post ids are 19-digit numbers above 2^53 (docs/tiktok-api.md, Status values). We only hand out
 * ids that a double cannot hold exactly, so a client that runs them through JSON.parse always
 * notices.
 */
export function newPostId(): bigint {
  for (;;) {
    const id =
      7_000_000_000_000_000_000n + (BigInt(`0x${randomBytes(8).toString('hex')}`) % 10n ** 18n);
    if (BigInt(Number(id)) !== id) return id;
  }
}

function digits(count: number): string {
  let out = String(randomInt(1, 10));
  while (out.length < count) out += String(randomInt(0, 10));
  return out;
}

/**
 * Shapes copied from the docs' examples: `v_pub_file~v2-1.…`, `v_inbox_url~v2.…`
 * (docs/tiktok-api.md, Video init).
 */
export function newPublishId(mode: 'direct' | 'inbox', source: 'FILE_UPLOAD' | 'PULL_FROM_URL') {
  const kind = source === 'FILE_UPLOAD' ? 'file' : 'url';
  const prefix = mode === 'direct' ? `v_pub_${kind}` : `v_inbox_${kind}`;
  const version = mode === 'direct' && kind === 'file' ? 'v2-1' : 'v2';
  return `${prefix}~${version}.${digits(19)}`;
}

export function newUploadId(): string {
  return digits(19);
}

export function newSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/** Tokens carry TikTok's prefixes: `act.`, `rft.`, `clt.` (docs/tiktok-api.md, Token endpoint). */
export function newToken(prefix: 'act' | 'rft' | 'clt'): string {
  return `${prefix}.${randomBytes(30).toString('base64url')}`;
}

export function newOpenId(): string {
  return randomUUID();
}

/** union_id is the same across one developer's apps; derive it so it is stable per creator. */
export function unionIdFor(openId: string): string {
  const hex = createHash('sha256').update(`union:${openId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
