import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { WorkerContext } from '../deps';
import { PostFailure } from '../errors';
import {
  AddressNotAllowedError,
  describeUrl,
  PermanentRequestError,
  type SafeRequestInit,
  safeRequest,
} from '../safe-http';

/** Where a post's downloaded video lives while it is being published. */
export function downloadPath(mediaRoot: string, postId: string): string {
  return join(mediaRoot, '.downloads', postId);
}

/** A download that failed in a way that may pass on another try (timeout, 5xx, reset). */
export class DownloadError extends Error {
  override readonly name = 'DownloadError';

  constructor(
    readonly code: 'video_download_failed' | 'video_download_timeout',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Downloads a `url` source to MEDIA_ROOT/.downloads/<postId>, refusing internal addresses
 * (unless URL_SOURCE_ALLOW_PRIVATE), files over URL_SOURCE_MAX_BYTES and downloads slower
 * than URL_SOURCE_TIMEOUT_MS. A complete download from an earlier attempt is reused: a
 * resumed upload must send the same bytes it started with.
 */
export async function downloadVideo(
  ctx: WorkerContext,
  postId: string,
  url: string,
  signal: AbortSignal | undefined,
): Promise<string> {
  const { maxBytes, timeoutMs, allowPrivate } = ctx.settings.urlSource;
  const target = downloadPath(ctx.settings.mediaRoot, postId);
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isFile() && existing.size > 0) return target;

  await mkdir(join(ctx.settings.mediaRoot, '.downloads'), { recursive: true });
  const partial = `${target}.part`;
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const where = describeUrl(url);
  try {
    const res = await requestOnce(url, { allowPrivate, signal: combined, maxRedirects: 5 });
    if (res.status !== 200) {
      res.body.resume();
      const message = `Downloading the video from ${where} failed: the server answered HTTP ${res.status}.`;
      if (res.status >= 400 && res.status < 500) {
        throw new PostFailure(
          'video_download_failed',
          `${message} Check that the URL is public and points at the video file itself.`,
          { httpStatus: res.status },
        );
      }
      throw new DownloadError('video_download_failed', `${message} It will be tried again.`);
    }
    const length = Number(res.headers['content-length']);
    if (Number.isFinite(length) && length > maxBytes) {
      res.body.resume();
      throw tooLarge(where, maxBytes);
    }
    let received = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        done(received > maxBytes ? tooLarge(where, maxBytes) : null, chunk);
      },
    });
    await pipeline(res.body, limit, createWriteStream(partial), { signal: combined });
    await rename(partial, target);
    return target;
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof AddressNotAllowedError) {
      throw new PostFailure(
        'video_url_not_allowed',
        `The video URL ${where} points at ${error.address}, a private, loopback or link-local ` +
          'address, which the fleet does not download from. Use a public URL, or upload the ' +
          'file with POST /v1/media and post it by path.',
        { address: error.address },
      );
    }
    if (error instanceof PermanentRequestError) {
      throw new PostFailure(
        'video_download_failed',
        `Downloading the video from ${where} cannot succeed: ${error.message}. ` +
          'Give the direct URL of the video file (http or https, at most 5 redirects).',
        { reason: error.reason },
      );
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOTFOUND') {
      throw new PostFailure(
        'video_download_failed',
        `Downloading the video from ${where} cannot succeed: the host name does not exist ` +
          '(DNS answered that there is no such name, twice). Check the URL for a typo.',
        { reason: 'host_not_found' },
      );
    }
    if (error instanceof PostFailure || signal?.aborted) throw error;
    if (timeout.aborted) {
      throw new DownloadError(
        'video_download_timeout',
        `Downloading the video from ${where} took longer than ${Math.round(timeoutMs / 1000)} s ` +
          '(URL_SOURCE_TIMEOUT_MS). It will be tried again; a faster host or a smaller file helps.',
      );
    }
    if (error instanceof DownloadError) throw error;
    throw new DownloadError(
      'video_download_failed',
      `Downloading the video from ${where} failed (${(error as Error).message}). It will be tried again.`,
      { cause: error },
    );
  }
}

/**
 * One request, asked again once after a moment when DNS says the name does not exist: a
 * name that is still unknown then is a mistake in the URL, not a passing resolver hiccup
 * (which Node reports as EAI_AGAIN, and which stays a retry).
 */
async function requestOnce(url: string, init: SafeRequestInit) {
  try {
    return await safeRequest(url, init);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOTFOUND') throw error;
    await new Promise((resolve) => setTimeout(resolve, DNS_RECHECK_MS));
    return await safeRequest(url, init);
  }
}

const DNS_RECHECK_MS = 200;

function tooLarge(where: string, maxBytes: number): PostFailure {
  return new PostFailure(
    'video_download_too_large',
    `The video at ${where} is larger than ${maxBytes} bytes, the most this fleet downloads ` +
      '(URL_SOURCE_MAX_BYTES). Use a smaller file.',
    { maxBytes },
  );
}

/** Removes a post's download once it is no longer needed (uploaded, or the post ended). */
export async function removeDownload(mediaRoot: string, postId: string): Promise<void> {
  const target = downloadPath(mediaRoot, postId);
  await rm(target, { force: true });
  await rm(`${target}.part`, { force: true });
}
