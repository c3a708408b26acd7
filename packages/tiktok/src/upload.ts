import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AxiosInstance, isAxiosError } from 'axios';
import { type OnTikTokCall, startCall } from './call-hook';
import type { ChunkPlan, ChunkRange } from './chunk-plan';
import { TikTokApiError } from './errors';
import { describeTransportFailure } from './http';
import { redactSecrets } from './redact';

/** Names the upload in errors without the URL, whose query string is a credential. */
export const UPLOAD_ENDPOINT = 'PUT upload_url';

export interface UploadProgress {
  /** Bytes TikTok has confirmed; persist it to resume after a crash (`startAt`). */
  bytesSent: number;
  totalBytes: number;
  /** Chunks TikTok has confirmed. */
  chunksSent: number;
  totalChunks: number;
}

export interface UploadRetryOptions {
  /** Tries per chunk, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface UploadOptions {
  uploadUrl: string;
  filePath: string;
  plan: ChunkPlan;
  /** `video/mp4`, `video/quicktime` or `video/webm`. */
  contentType?: string;
  signal?: AbortSignal;
  /**
   * Aborting this stops the upload before it sends another chunk (or a chunk again): the
   * chunk in flight finishes and is confirmed through `onProgress` first, so nothing sent
   * is thrown away. A graceful shutdown's signal. Ends with the same `aborted` error.
   */
  stopBeforeNextChunk?: AbortSignal;
  /** Called after every chunk TikTok confirms; awaited, so it may persist progress. */
  onProgress?: (progress: UploadProgress) => void | Promise<void>;
  retry?: UploadRetryOptions;
  /** Resume from this byte (a chunk boundary), e.g. the last progress stored before a crash. */
  startAt?: number;
  /** Time allowed for one chunk's request. */
  chunkTimeoutMs?: number;
  /**
   * Where the upload stands by another route, e.g. status/fetch's `uploaded_bytes`. Asked
   * when a 416 carries no usable `Content-Range`, and when the upload URL is gone (403/404)
   * to tell a finished upload from an expired one.
   */
  getUploadedBytes?: () => Promise<number | undefined>;
}

export interface UploadResult {
  totalBytes: number;
  /** Chunk requests TikTok accepted in this call. */
  chunksSent: number;
  /** Chunk requests sent again after a 5xx, a reset or a timeout. */
  retries: number;
  /** Times a 416 moved the upload to where TikTok said it stood. */
  resyncs: number;
}

const DEFAULT_RETRY = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };
const DEFAULT_CHUNK_TIMEOUT_MS = 120_000;
// A file that cannot be read will not become readable by sending again.
const FILE_ERRORS = new Set(['ENOENT', 'EACCES', 'EISDIR', 'EBADF', 'EPERM']);

type ChunkOutcome =
  | { kind: 'accepted' }
  | { kind: 'complete' }
  | { kind: 'resync'; received: number };

/**
 * Uploads a file to TikTok's upload URL chunk by chunk, in order, each chunk read from disk
 * with a ranged stream so memory stays flat whatever the file size. A chunk that fails on
 * the way (5xx, reset, timeout) is sent again alone with backoff; a 416 means TikTok holds a
 * different amount than the client thought, so the upload carries on from TikTok's figure.
 */
export async function uploadVideo(
  http: AxiosInstance,
  options: UploadOptions,
  onCall?: OnTikTokCall,
): Promise<UploadResult> {
  const { plan, signal } = options;
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const totalBytes = plan.videoSize;
  const total = plan.totalChunkCount;
  throwIfAborted(signal);

  const fileSize = await stat(options.filePath).then(
    (s) => s.size,
    () => undefined,
  );
  if (fileSize !== totalBytes) {
    throw new TikTokApiError({
      code: 'invalid_file_upload',
      endpoint: UPLOAD_ENDPOINT,
      description:
        fileSize === undefined
          ? 'The video file cannot be read.'
          : `The video file is ${fileSize} bytes but the upload was planned for ${totalBytes}; start again with a new init.`,
    });
  }

  const result: UploadResult = { totalBytes, chunksSent: 0, retries: 0, resyncs: 0 };
  let index = chunkIndexAt(plan, options.startAt ?? 0);
  if (index === undefined) {
    throw new RangeError(`startAt ${options.startAt} is not the start of a chunk of this plan`);
  }
  let lastResync: number | undefined;

  while (index < total) {
    throwIfAborted(options.stopBeforeNextChunk);
    const chunk = plan.chunks[index] as ChunkRange;
    const outcome = await sendChunk(http, options, chunk, retry, result, onCall);
    if (outcome.kind === 'resync') {
      const at = chunkIndexAt(plan, outcome.received);
      if (at === undefined) {
        throw outOfSync(
          `TikTok reports ${outcome.received} bytes received, which matches no chunk boundary the client can continue from.`,
        );
      }
      // Landing where the last 416 put us, with nothing accepted since, would loop forever.
      if (outcome.received === lastResync) {
        throw outOfSync(`TikTok keeps refusing the chunk at byte ${outcome.received} with 416.`);
      }
      lastResync = outcome.received;
      result.resyncs += 1;
      index = at;
    } else {
      lastResync = undefined;
      result.chunksSent += 1;
      if (outcome.kind === 'complete') index = total;
      else if (index === total - 1) {
        throw outOfSync('TikTok accepted the last chunk but did not report the upload complete.');
      } else index += 1;
    }
    const bytesSent = index >= total ? totalBytes : (plan.chunks[index] as ChunkRange).start;
    await options.onProgress?.({
      bytesSent,
      totalBytes,
      chunksSent: Math.min(index, total),
      totalChunks: total,
    });
  }
  return result;
}

async function sendChunk(
  http: AxiosInstance,
  options: UploadOptions,
  chunk: ChunkRange,
  retry: Required<UploadRetryOptions>,
  result: UploadResult,
  onCall: OnTikTokCall | undefined,
): Promise<ChunkOutcome> {
  const { signal, plan } = options;
  let lastFailure = '';
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    throwIfAborted(signal);
    if (attempt > 1) {
      throwIfAborted(options.stopBeforeNextChunk);
      result.retries += 1;
      const delay = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 2));
      // Jitter keeps a fleet of workers that failed together from retrying together.
      await sleep(delay * (0.5 + Math.random() / 2), undefined, { signal }).catch(() => {
        throw abortedError();
      });
    }
    const body = createReadStream(options.filePath, { start: chunk.start, end: chunk.end });
    const done = startCall(onCall, UPLOAD_ENDPOINT);
    let status: number;
    let headers: Record<string, unknown>;
    try {
      const res = await http.request({
        method: 'PUT',
        url: options.uploadUrl,
        data: body,
        headers: {
          'Content-Type': options.contentType ?? 'video/mp4',
          'Content-Length': String(chunk.size),
          'Content-Range': `bytes ${chunk.start}-${chunk.end}/${plan.videoSize}`,
        },
        signal,
        timeout: options.chunkTimeoutMs ?? DEFAULT_CHUNK_TIMEOUT_MS,
        responseType: 'text',
        validateStatus: () => true,
        maxRedirects: 0,
      });
      status = res.status;
      headers = res.headers as Record<string, unknown>;
      done(status >= 200 && status < 300 ? 'ok' : `http_${status}`, status);
    } catch (error) {
      if (signal?.aborted || (isAxiosError(error) && error.code === 'ERR_CANCELED')) {
        done('aborted', undefined);
        throw abortedError();
      }
      if (isAxiosError(error) && error.code && FILE_ERRORS.has(error.code)) {
        done('invalid_file_upload', undefined);
        throw new TikTokApiError({
          code: 'invalid_file_upload',
          endpoint: UPLOAD_ENDPOINT,
          description: `The video file could not be read (${error.code}).`,
        });
      }
      done('internal_error', undefined);
      lastFailure = redactSecrets(describeTransportFailure(error));
      continue;
    } finally {
      body.destroy();
    }

    if (status === 206) return { kind: 'accepted' };
    if (status === 200 || status === 201) return { kind: 'complete' };
    if (status === 416)
      return { kind: 'resync', received: await receivedBytes(headers, plan, options) };
    if (status === 403 || status === 404) {
      // A task that is gone may have finished: a resent last chunk, or a resume after a
      // crash that lost the 201. Asking first keeps the caller from posting twice.
      if ((await options.getUploadedBytes?.()) === plan.videoSize) {
        return { kind: 'resync', received: plan.videoSize };
      }
      throw new TikTokApiError({
        code: 'upload_url_expired',
        endpoint: UPLOAD_ENDPOINT,
        httpStatus: status,
        logId: logIdOf(headers),
        description:
          status === 403
            ? 'The upload URL has expired (TikTok keeps it for one hour). Start the upload again with a new init; nothing was posted.'
            : 'TikTok has no open upload for this URL: it expired, or the upload already finished. Check the publish status before starting again, since a new init makes a new post.',
      });
    }
    if (status >= 500 || status === 408 || status === 429) {
      lastFailure = `HTTP ${status}`;
      continue;
    }
    throw new TikTokApiError({
      code: 'invalid_file_upload',
      endpoint: UPLOAD_ENDPOINT,
      httpStatus: status,
      logId: logIdOf(headers),
      description: `TikTok rejected chunk ${chunk.index + 1} of ${plan.totalChunkCount} (HTTP ${status}): the chunk headers or size do not match the upload.`,
    });
  }
  throw new TikTokApiError({
    code: 'upload_failed',
    endpoint: UPLOAD_ENDPOINT,
    description: `Chunk ${chunk.index + 1} of ${plan.totalChunkCount} failed ${retry.attempts} times (last: ${lastFailure}). Try the upload again; it can resume from the last confirmed chunk while the upload URL is valid.`,
  });
}

/**
 * How many bytes TikTok holds, from a 416's `Content-Range: bytes 0-N/total`. TikTok does
 * not say whether N is the last byte's index or a count, so whichever of N+1 and N falls
 * on a chunk boundary is taken; the other never can (chunks are megabytes long). The
 * RFC 7233 form `bytes *\/total` says nothing is held.
 */
export function receivedFromContentRange(header: unknown, plan: ChunkPlan): number | undefined {
  if (typeof header !== 'string') return undefined;
  if (/bytes[\s=]+\*\//i.test(header)) return 0;
  const m = /bytes[\s=]+(\d+)-(\d+)/i.exec(header);
  if (!m) return undefined;
  const n = Number(m[2]);
  if (chunkIndexAt(plan, n + 1) !== undefined) return n + 1;
  if (chunkIndexAt(plan, n) !== undefined) return n;
  return undefined;
}

async function receivedBytes(
  headers: Record<string, unknown>,
  plan: ChunkPlan,
  options: UploadOptions,
): Promise<number> {
  const fromHeader =
    receivedFromContentRange(headers['content-range'], plan) ??
    receivedFromContentRange(headers.range, plan);
  if (fromHeader !== undefined) return fromHeader;
  const asked = await options.getUploadedBytes?.();
  if (asked !== undefined) return asked;
  // Nothing says how much is held: start over from the first chunk. If TikTok holds more,
  // its next 416 says so, and a second 416 at the same place ends the upload.
  return 0;
}

/** The chunk starting at `offset`; `totalChunkCount` when the offset is the end of the file. */
export function chunkIndexAt(plan: ChunkPlan, offset: number): number | undefined {
  if (offset === plan.videoSize) return plan.totalChunkCount;
  const found = plan.chunks.findIndex((c) => c.start === offset);
  return found === -1 ? undefined : found;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError();
}

function abortedError(): TikTokApiError {
  return new TikTokApiError({
    code: 'aborted',
    endpoint: UPLOAD_ENDPOINT,
    description: 'The upload was cancelled before it finished.',
  });
}

function outOfSync(description: string): TikTokApiError {
  return new TikTokApiError({ code: 'upload_out_of_sync', endpoint: UPLOAD_ENDPOINT, description });
}

function logIdOf(headers: Record<string, unknown>): string | undefined {
  const v = headers['x-tt-logid'];
  return typeof v === 'string' ? v : undefined;
}
