import { createHash } from 'node:crypto';
import { ApiError } from '../errors';

/**
 * Where the next page starts: the window (0 = newest) and TikTok's own `cursor` and
 * `search_id` in it (docs/tiktok-api.md, Research API). Opaque to callers; it carries a hash
 * of the query so that it cannot be replayed with another one.
 */
export interface ResearchPosition {
  window: number;
  cursor: number;
  searchId?: string | undefined;
}

export function queryFingerprint(query: unknown): string {
  return createHash('sha256').update(JSON.stringify(query)).digest('base64url').slice(0, 16);
}

export function encodeCursor(fingerprint: string, at: ResearchPosition): string {
  const data = { q: fingerprint, w: at.window, c: at.cursor, s: at.searchId };
  return Buffer.from(JSON.stringify(data)).toString('base64url');
}

const invalid = () =>
  new ApiError(
    400,
    'research_cursor_invalid',
    'This cursor does not belong to this query: send back the nextCursor of the previous page with the very same query, dates and fields, or leave cursor out to start again.',
  );

export function decodeCursor(text: string, fingerprint: string, windows: number): ResearchPosition {
  let data: { q?: unknown; w?: unknown; c?: unknown; s?: unknown };
  try {
    data = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const { q, w, c, s } = data;
  if (
    q !== fingerprint ||
    !Number.isSafeInteger(w) ||
    (w as number) < 0 ||
    (w as number) >= windows ||
    !Number.isSafeInteger(c) ||
    (c as number) < 0 ||
    (s !== undefined && typeof s !== 'string')
  ) {
    throw invalid();
  }
  return { window: w as number, cursor: c as number, searchId: s as string | undefined };
}
