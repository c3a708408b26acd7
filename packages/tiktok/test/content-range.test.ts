import { describe, expect, it } from 'vitest';
import { planChunks } from '../src/chunk-plan';
import { receivedFromContentRange } from '../src/upload';

const plan = planChunks(50_000_123, { chunkSize: 10_000_000 });

describe('reading where an upload stands from Content-Range', () => {
  it('reads N as the last byte index when N+1 is a chunk boundary', () => {
    expect(receivedFromContentRange('bytes 0-9999999/50000123', plan)).toBe(10_000_000);
    expect(receivedFromContentRange('bytes 0-50000122/50000123', plan)).toBe(50_000_123);
  });

  it('reads N as a byte count when N is a chunk boundary', () => {
    expect(receivedFromContentRange('bytes 0-20000000/50000123', plan)).toBe(20_000_000);
    expect(receivedFromContentRange('bytes 0-0/50000123', plan)).toBe(0);
  });

  it('reads `bytes */total` as nothing held, and ignores what it cannot place', () => {
    expect(receivedFromContentRange('bytes */50000123', plan)).toBe(0);
    expect(receivedFromContentRange('bytes 0-12345/50000123', plan)).toBeUndefined();
    expect(receivedFromContentRange(undefined, plan)).toBeUndefined();
    expect(receivedFromContentRange('garbage', plan)).toBeUndefined();
  });
});
