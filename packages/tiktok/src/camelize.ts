import { isRecord, toIdString } from './json';

/**
 * Display and Research objects come back with whatever fields were asked for, so they are
 * converted generically: snake_case keys become camelCase, anything named `id` or `*_id`
 * becomes an exact string (post and music ids are int64), and other big integers become
 * numbers (counts are far below 2^53).
 */
export function camelizeObject(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    out[camelKey(key)] = camelizeValue(key, value);
  }
  return out;
}

function camelizeValue(key: string, value: unknown): unknown {
  if (key === 'id' || key.endsWith('_id')) return toIdString(value) ?? value;
  if (key.endsWith('_ids') && Array.isArray(value)) return value.map((v) => toIdString(v) ?? v);
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map((v) => (isRecord(v) ? camelizeObject(v) : v));
  if (isRecord(value)) return camelizeObject(value);
  return value;
}

export function camelKey(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
