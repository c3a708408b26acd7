import { isInteger, isSafeNumber, parse, stringify } from 'lossless-json';

/**
 * TikTok sends post and video ids as int64 JSON numbers (19 digits, above 2^53), where
 * `JSON.parse` silently rounds them. Integers that do not fit a double become bigints here
 * and everything else stays a plain number, so no digit is ever lost before `toIdString`
 * turns ids into strings.
 */
export function parseJson(text: string): unknown {
  return parse(text, null, {
    parseNumber: (value) => {
      if (isSafeNumber(value)) return Number(value);
      return isInteger(value) ? BigInt(value) : Number.parseFloat(value);
    },
    // JSON.parse keeps the last duplicate key; lossless-json would throw on a body a real
    // server might send, so behave like the platform parser there.
    onDuplicateKey: ({ newValue }) => newValue,
  });
}

/** Serialises request bodies; bigints go out as bare JSON numbers, as TikTok expects int64s. */
export function stringifyJson(value: unknown): string {
  const text = stringify(value);
  if (text === undefined) throw new TypeError('value cannot be serialised to JSON');
  return text;
}

/**
 * The one way an id leaves the client: as the exact decimal string TikTok sent, whether it
 * arrived as a JSON string, a safe number or a bigint.
 */
export function toIdString(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/** Counts and sizes: int64 on the wire, but far below 2^53 in practice. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
