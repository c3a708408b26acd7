import { invalidParams } from './errors';

// Deliberate copy of packages/tiktok/src/chunk-plan.ts: the sandbox must not import the client.

/**
 * TikTok's chunk rules (docs/tiktok-api.md, Chunked upload: the "Media Transfer Guide"). The docs
 * say "MB" without defining it; their whole-file example of "4 MB" is 4,194,304 bytes, so the
 * sandbox reads MB as 2^20 bytes (MiB). This is UNCONFIRMED by TikTok: a client that stays within
 * 5,000,000..64,000,000 byte chunks is accepted under either reading.
 */
export const MB = 2 ** 20;
export const minChunkSize = 5 * MB;
export const maxChunkSize = 64 * MB;
export const maxFinalChunkSize = 128 * MB;
export const maxChunkCount = 1000;
/** TikTok's maximum video size, 4 GB (docs/tiktok-api.md, Media requirements). */
export const maxVideoSize = 4 * 1024 * MB;

export interface ChunkPlan {
  videoSize: number;
  chunkSize: number;
  totalChunkCount: number;
}

function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw invalidParams(`${name} must be a positive integer.`);
  }
  return value;
}

/** Validates init's `source_info` numbers; throws `invalid_params` as TikTok does. */
export function checkChunkPlan(sourceInfo: Record<string, unknown>): ChunkPlan {
  const videoSize = positiveInteger(sourceInfo.video_size, 'video_size');
  const chunkSize = positiveInteger(sourceInfo.chunk_size, 'chunk_size');
  const totalChunkCount = positiveInteger(sourceInfo.total_chunk_count, 'total_chunk_count');
  // The wording seen in the wild for bad chunk metadata (docs/tiktok-api.md, Chunked upload).
  const invalid = (why: string) => invalidParams(`The chunk size is invalid: ${why}`);

  if (videoSize > maxVideoSize) throw invalidParams('video_size exceeds the 4 GB maximum.');
  if (chunkSize > videoSize) throw invalid('chunk_size is larger than video_size.');
  if (videoSize < minChunkSize) {
    // Rule 3: small videos go whole, in one chunk.
    if (chunkSize !== videoSize || totalChunkCount !== 1) {
      throw invalid('videos under 5 MB must be uploaded whole (chunk_size = video_size, 1 chunk).');
    }
    return { videoSize, chunkSize, totalChunkCount };
  }
  if (chunkSize < minChunkSize || chunkSize > maxChunkSize) {
    throw invalid('chunks must be between 5 MB and 64 MB.');
  }
  // Rule 1: the count is the floor; the remainder rides in the last chunk.
  const expectedCount = Math.floor(videoSize / chunkSize);
  if (totalChunkCount !== expectedCount) {
    throw invalid(`total_chunk_count must be floor(video_size / chunk_size) = ${expectedCount}.`);
  }
  if (totalChunkCount > maxChunkCount) throw invalid('at most 1000 chunks are allowed.');
  // A count of 1 with a smaller chunk_size is inconsistent metadata (e.g. 15 MB in 10 MB chunks).
  if (totalChunkCount === 1 && chunkSize !== videoSize) {
    throw invalid('with a single chunk, chunk_size must equal video_size.');
  }
  const finalChunk = videoSize - (totalChunkCount - 1) * chunkSize;
  if (finalChunk > maxFinalChunkSize) throw invalid('the final chunk may be at most 128 MB.');
  return { videoSize, chunkSize, totalChunkCount };
}

/** Inclusive byte range of chunk `index` (0-based): the last chunk takes the remainder. */
export function chunkRange(plan: ChunkPlan, index: number): { first: number; last: number } {
  const first = index * plan.chunkSize;
  const last = index === plan.totalChunkCount - 1 ? plan.videoSize - 1 : first + plan.chunkSize - 1;
  return { first, last };
}
