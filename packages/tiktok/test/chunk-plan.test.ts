import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ChunkPlan,
  MAX_CHUNK_COUNT,
  MAX_VIDEO_SIZE,
  MIN_CHUNK_SIZE,
  planChunks,
} from '../src/chunk-plan';

const MiB = 1024 * 1024;

/**
 * TikTok's rules (docs/tiktok-api.md, Chunked upload), checked under both readings of "MB". Plain
 * checks rather than `expect` per chunk: a 4 GB plan has hundreds of chunks and thousands of runs.
 */
function assertTikTokRules(size: number, plan: ChunkPlan): void {
  const check = (ok: boolean, rule: string) => {
    if (!ok)
      throw new Error(
        `size ${size}: ${rule} (${JSON.stringify({ ...plan, chunks: plan.chunks.length })})`,
      );
  };
  check(plan.videoSize === size, 'video_size is the file size');
  check(plan.chunks.length === plan.totalChunkCount, 'one range per chunk');
  check(plan.totalChunkCount >= 1 && plan.totalChunkCount <= 1000, '1 to 1000 chunks');
  // Ranges are contiguous, 0-based, inclusive, and cover the file exactly.
  let next = 0;
  for (const [i, c] of plan.chunks.entries()) {
    check(
      c.index === i && c.start === next && c.size === c.end - c.start + 1,
      `range ${i} follows on`,
    );
    next = c.end + 1;
  }
  check(next === size, 'ranges cover the file exactly');
  if (plan.totalChunkCount === 1) {
    check(plan.chunkSize === size, 'one chunk: chunk_size = video_size');
    check(size <= 64_000_000, 'a file over 64 MB is never sent whole');
    return;
  }
  check(size >= 5 * MiB, 'a file under 5 MB is sent whole');
  check(
    plan.totalChunkCount === Math.floor(size / plan.chunkSize),
    'count = floor(size / chunk_size)',
  );
  check(plan.chunkSize >= 5 * MiB && plan.chunkSize <= 64_000_000, 'chunks of 5 to 64 MB');
  for (const c of plan.chunks.slice(0, -1))
    check(c.size === plan.chunkSize, 'chunks are chunk_size');
  // The remainder rides on the last chunk, never as an extra small one.
  const last = plan.chunks.at(-1);
  check(
    last?.size === plan.chunkSize + (size % plan.chunkSize),
    'remainder merged into the last chunk',
  );
  check((last?.size ?? 0) <= 128_000_000, 'last chunk at most 128 MB');
}

describe('planChunks', () => {
  it('matches TikTok’s worked example: 50,000,123 bytes in 10,000,000-byte chunks', () => {
    const plan = planChunks(50_000_123, { chunkSize: 10_000_000 });
    expect(plan.chunkSize).toBe(10_000_000);
    expect(plan.totalChunkCount).toBe(5);
    expect(plan.chunks.map((c) => `${c.start}-${c.end}`)).toEqual([
      '0-9999999',
      '10000000-19999999',
      '20000000-29999999',
      '30000000-39999999',
      '40000000-50000122',
    ]);
    expect(plan.chunks[4]?.size).toBe(10_000_123);
  });

  it('sends TikTok’s 4 MB example whole', () => {
    const plan = planChunks(4_194_304);
    expect(plan).toMatchObject({ chunkSize: 4_194_304, totalChunkCount: 1 });
    expect(plan.chunks[0]).toMatchObject({ start: 0, end: 4_194_303 });
  });

  it('sends a file that comes to one chunk whole, with chunk_size = video_size', () => {
    // 15 MiB with 10 MiB chunks floors to 1: the inconsistent-metadata trap.
    const plan = planChunks(15 * MiB);
    expect(plan).toMatchObject({ chunkSize: 15 * MiB, totalChunkCount: 1 });
  });

  it('splits a file too big to go whole but under two preferred chunks', () => {
    const plan = planChunks(100_000_000, { chunkSize: 60_000_000 });
    expect(plan.totalChunkCount).toBe(2);
    assertTikTokRules(100_000_000, plan);
  });

  it('handles the smallest and largest files', () => {
    assertTikTokRules(1, planChunks(1));
    assertTikTokRules(MAX_VIDEO_SIZE, planChunks(MAX_VIDEO_SIZE));
    assertTikTokRules(MIN_CHUNK_SIZE, planChunks(MIN_CHUNK_SIZE));
    assertTikTokRules(MIN_CHUNK_SIZE - 1, planChunks(MIN_CHUNK_SIZE - 1));
  });

  it('refuses sizes TikTok refuses', () => {
    expect(() => planChunks(0)).toThrow(RangeError);
    expect(() => planChunks(1.5)).toThrow(RangeError);
    expect(() => planChunks(MAX_VIDEO_SIZE + 1)).toThrow(/4 GB/);
    expect(() => planChunks(50 * MiB, { chunkSize: 4 * MiB })).toThrow(RangeError);
    expect(() => planChunks(50 * MiB, { chunkSize: 65 * MiB })).toThrow(RangeError);
  });

  it('keeps every rule for any size from 1 byte to 4 GB', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_VIDEO_SIZE }), (size) => {
        assertTikTokRules(size, planChunks(size));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps every rule around the thresholds', () => {
    const edges = [5 * MiB, 10 * MiB, 20 * MiB, 64_000_000, 64 * MiB, 128 * MiB, MAX_VIDEO_SIZE];
    fc.assert(
      fc.property(fc.constantFrom(...edges), fc.integer({ min: -3, max: 3 }), (edge, d) => {
        const size = Math.min(MAX_VIDEO_SIZE, Math.max(1, edge + d));
        assertTikTokRules(size, planChunks(size));
      }),
    );
  });

  it('keeps every rule for any allowed preferred chunk size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_VIDEO_SIZE }),
        fc.integer({ min: 5 * MiB, max: 64_000_000 }),
        (size, chunkSize) => {
          const plan = planChunks(size, { chunkSize });
          assertTikTokRules(size, plan);
          // The preference is honoured unless the 1000-chunk or one-chunk rules forbid it.
          if (plan.totalChunkCount > 2 && size / chunkSize <= MAX_CHUNK_COUNT) {
            expect(plan.chunkSize).toBe(chunkSize);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('stays within 1000 chunks for a 4 GB file at the smallest chunk size', () => {
    // 4 GiB / 5 MiB = 819 chunks: the 1000-chunk rule cannot bind below TikTok's size cap,
    // but the planner grows the chunk size if it ever did.
    const plan = planChunks(MAX_VIDEO_SIZE, { chunkSize: MIN_CHUNK_SIZE });
    expect(plan.totalChunkCount).toBe(819);
    expect(plan.totalChunkCount).toBeLessThanOrEqual(MAX_CHUNK_COUNT);
    assertTikTokRules(MAX_VIDEO_SIZE, plan);
  });
});
