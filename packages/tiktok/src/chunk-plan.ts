// Deliberate copy in apps/tiktok-sandbox/src/chunk-rules.ts: the sandbox must not import the client.
const MiB = 1024 * 1024;

/*
 * TikTok's chunk rules (docs/tiktok-api.md, Chunked upload) are written in "MB" without saying
 * whether that is 10^6 or 2^20 bytes. The plan satisfies both readings at once: chunks are at
 * least 5 MiB (the larger "5 MB") and at most 64,000,000 bytes (the smaller "64 MB"), so
 * the final chunk, below twice the chunk size, stays under 128,000,000 bytes too.
 */
export const MIN_CHUNK_SIZE = 5 * MiB;
export const MAX_CHUNK_SIZE = 64_000_000;
export const MAX_FINAL_CHUNK_SIZE = 128_000_000;
export const MAX_CHUNK_COUNT = 1000;
/** TikTok's 4 GB; its 4 MB example is 4,194,304 bytes, so GB is read as GiB here. */
export const MAX_VIDEO_SIZE = 4 * 1024 * MiB;
/** Small enough that a failed chunk costs little to resend, large enough for few requests. */
export const DEFAULT_CHUNK_SIZE = 10 * MiB;

export interface ChunkRange {
  index: number;
  /** First byte, 0-based. */
  start: number;
  /** Last byte, inclusive, as in `Content-Range`. */
  end: number;
  size: number;
}

export interface ChunkPlan {
  videoSize: number;
  /** What init sends as `chunk_size`: the size of every chunk but the last. */
  chunkSize: number;
  totalChunkCount: number;
  chunks: ChunkRange[];
}

export interface PlanOptions {
  /** Preferred chunk size; grown when the file would otherwise need over 1000 chunks. */
  chunkSize?: number;
}

/**
 * The chunk plan TikTok's init expects for a file of `videoSize` bytes: the count is
 * floor(size / chunk), the remainder rides on the last chunk, and a file that comes to one
 * chunk is sent whole with `chunk_size = video_size` (a smaller chunk_size with a count of 1
 * is the inconsistent metadata TikTok rejects).
 */
export function planChunks(videoSize: number, options: PlanOptions = {}): ChunkPlan {
  if (!Number.isSafeInteger(videoSize) || videoSize < 1) {
    throw new RangeError(`video size must be a positive whole number of bytes, got ${videoSize}`);
  }
  if (videoSize > MAX_VIDEO_SIZE) {
    throw new RangeError(`video size ${videoSize} is over TikTok's 4 GB limit`);
  }
  const preferred = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (
    !Number.isSafeInteger(preferred) ||
    preferred < MIN_CHUNK_SIZE ||
    preferred > MAX_CHUNK_SIZE
  ) {
    throw new RangeError(
      `chunk size must be between ${MIN_CHUNK_SIZE} and ${MAX_CHUNK_SIZE} bytes, got ${preferred}`,
    );
  }
  if (videoSize < MIN_CHUNK_SIZE) return single(videoSize);

  // ceil(size / 1000) keeps floor(size / chunk) at or under 1000.
  let chunkSize = Math.max(preferred, Math.ceil(videoSize / MAX_CHUNK_COUNT));
  let count = Math.floor(videoSize / chunkSize);
  if (count <= 1) {
    if (videoSize <= MAX_CHUNK_SIZE) return single(videoSize);
    // Too big to go whole but under two chunks: halve it. The halves are over 32 MB and
    // the file is under 2 x 64 MB, so both rules still hold.
    chunkSize = Math.floor(videoSize / 2);
    count = 2;
  }
  const chunks: ChunkRange[] = [];
  for (let index = 0; index < count; index++) {
    const start = index * chunkSize;
    const end = index === count - 1 ? videoSize - 1 : start + chunkSize - 1;
    chunks.push({ index, start, end, size: end - start + 1 });
  }
  return { videoSize, chunkSize, totalChunkCount: count, chunks };
}

function single(videoSize: number): ChunkPlan {
  return {
    videoSize,
    chunkSize: videoSize,
    totalChunkCount: 1,
    chunks: [{ index: 0, start: 0, end: videoSize - 1, size: videoSize }],
  };
}
