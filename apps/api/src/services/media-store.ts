import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiError } from '../errors';

const EXTENSIONS: Record<string, string> = {
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/webm': 'webm',
  'video/x-m4v': 'm4v',
  'video/x-matroska': 'mkv',
  // Photo posts' images (docs/architecture.md, Photo posts).
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/png': 'png',
  'image/heic': 'heic',
  'image/heif': 'heif',
};
const KNOWN_EXTENSIONS = new Set([...Object.values(EXTENSIONS), 'mp4', 'jpeg']);

/**
 * The stored file's extension, from the declared type or else the original name. Only for
 * people browsing the directory: the worker learns the real format from ffprobe.
 */
export function extensionFor(contentType: string | undefined, filename: string | undefined) {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  const fromType = type ? EXTENSIONS[type] : undefined;
  if (fromType) return fromType;
  const fromName = filename ? path.extname(filename).slice(1).toLowerCase() : '';
  return KNOWN_EXTENSIONS.has(fromName) ? fromName : 'bin';
}

export const mediaTooLarge = (cap: number) =>
  new ApiError(
    413,
    'media_too_large',
    `The upload is larger than this API accepts (${cap} bytes, MEDIA_MAX_UPLOAD_BYTES). ` +
      "TikTok's own limit is 4 GB.",
    { maxBytes: cap },
    // The rest of the body is not read: the connection ends with the answer.
    { connection: 'close' },
  );

export const quotaExceeded = (quota: number, used: number) =>
  new ApiError(
    413,
    'media_quota_exceeded',
    `This upload would take your stored media past its quota (${quota} bytes, ` +
      `MEDIA_QUOTA_BYTES_PER_OWNER; ${used} in use). Uploads no post used are deleted after ` +
      'MEDIA_UPLOAD_TTL_SECONDS; post or let some expire first.',
    { quotaBytes: quota, usedBytes: used },
    { connection: 'close' },
  );

/** The body ended before its Content-Length, or the connection closed mid-upload. */
const clientGone = () =>
  new ApiError(
    400,
    'media_incomplete',
    'The upload ended before the whole body arrived (the connection closed, or the body was ' +
      'shorter than its Content-Length). Nothing was kept; send it again.',
  );

/** Passes bytes through until the cap, then fails: a body is never read past it. */
function byteCap(cap: number, counted: { bytes: number }, refusal: () => ApiError) {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counted.bytes += chunk.length;
      if (counted.bytes > cap) return done(refusal());
      done(null, chunk);
    },
  });
}

export interface StoreUploadOptions {
  mediaRoot: string;
  maxBytes: number;
  extension: string;
  /** Refuse with this error once the body passes maxBytes (default: media_too_large). */
  tooLarge?: () => ApiError;
  /** Aborted when the body arrives too slowly; its reason is the error answered. */
  signal?: AbortSignal | null;
}

/**
 * Streams `source` to MEDIA_ROOT/uploads/<random>.<ext> without holding it in memory. It is
 * written under a temporary name and renamed when complete, so a worker never sees half a
 * file; on any failure (too large, too slow, client gone, short body, disk full) the
 * partial file is deleted. The file is opened before any byte is piped: a failure that
 * came before the open finished would otherwise delete nothing and leave an empty file.
 *
 * The request stream is piped, not part of the pipeline, so a refusal leaves it open for
 * the 413 answer to reach the client.
 */
export async function storeUpload(
  source: Readable,
  options: StoreUploadOptions,
): Promise<{ path: string; size: number }> {
  const dir = path.join(options.mediaRoot, 'uploads');
  await mkdir(dir, { recursive: true });
  const name = `${randomBytes(16).toString('hex')}.${options.extension}`;
  const temporary = path.join(dir, `.${name}.part`);
  const counted = { bytes: 0 };
  const limiter = byteCap(
    options.maxBytes,
    counted,
    options.tooLarge ?? (() => mediaTooLarge(options.maxBytes)),
  );
  const fail = (error: Error) => limiter.destroy(error);
  const onSourceClose = () => {
    if (!source.readableEnded) fail(clientGone());
  };
  const onStalled = () => fail(options.signal?.reason as Error);
  const file = await open(temporary, 'wx', 0o640);
  source.once('error', fail);
  source.once('close', onSourceClose);
  options.signal?.addEventListener('abort', onStalled, { once: true });
  if (options.signal?.aborted) onStalled();
  // The client may have gone before this ran (while the key was checked): no event comes then.
  if (source.destroyed && !source.readableEnded) onSourceClose();
  source.pipe(limiter);
  try {
    await pipeline(limiter, createWriteStream('', { fd: file }));
    if (counted.bytes === 0) {
      throw new ApiError(400, 'media_empty', 'The upload is empty: send the video as the body.');
    }
    await rename(temporary, path.join(dir, name));
    return { path: `uploads/${name}`, size: counted.bytes };
  } catch (error) {
    source.unpipe(limiter);
    await file.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  } finally {
    source.off('error', fail);
    source.off('close', onSourceClose);
    options.signal?.removeEventListener('abort', onStalled);
  }
}

/** Deletes an upload's file; a file already gone is fine. */
export async function removeUpload(mediaRoot: string, relative: string): Promise<void> {
  await rm(path.join(mediaRoot, relative), { force: true });
}
