import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJson, toIdString } from '../src/json';

describe('int64-safe JSON', () => {
  it('keeps 19-digit ids exact where JSON.parse rounds them', () => {
    const text = '{"ids":[7345678901234567891,7345678901234567892],"n":42,"f":1.5}';
    expect(String((JSON.parse(text) as { ids: number[] }).ids[0])).not.toBe('7345678901234567891');
    const parsed = parseJson(text) as { ids: unknown[]; n: unknown; f: unknown };
    expect(parsed.ids.map(toIdString)).toEqual(['7345678901234567891', '7345678901234567892']);
    expect(parsed.n).toBe(42);
    expect(parsed.f).toBe(1.5);
  });

  it('accepts ids sent as strings or as small numbers', () => {
    expect(toIdString('7345678901234567891')).toBe('7345678901234567891');
    expect(toIdString(12345)).toBe('12345');
    expect(toIdString(1.5)).toBeUndefined();
    expect(toIdString('')).toBeUndefined();
  });

  it('writes bigints back as bare JSON numbers and drops undefined fields', () => {
    expect(stringifyJson({ cursor: 7345678901234567891n, skip: undefined })).toBe(
      '{"cursor":7345678901234567891}',
    );
  });

  it('keeps the last of duplicate keys, like JSON.parse', () => {
    expect(parseJson('{"a":1,"a":2}')).toEqual({ a: 2 });
  });
});
