import { stringify } from 'lossless-json';

/**
 * Every response body goes through here: bigint values (post ids, research video ids) come
 * out as raw JSON numbers, digits unquoted, exactly as TikTok documents them (int64).
 */
export function toJson(value: unknown): string {
  return stringify(value) ?? 'null';
}
