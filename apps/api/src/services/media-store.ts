import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
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

/** Passes bytes through until the cap, then fails: a body is never read past it. */
function byteCap(cap: number, counted: { bytes: number }) {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counted.bytes += chunk.length;
      if (counted.bytes > cap) return done(mediaTooLarge(cap));
      done(null, chunk);
    },
  });
}

/**
 * Streams `source` to MEDIA_ROOT/uploads/<random>.<ext> without holding it in memory. It is
 * written under a temporary name and renamed when complete, so a worker never sees half a
 * file; on any failure (too large, client gone, disk full) the partial file is deleted.
 *
 * The request stream is piped, not part of the pipeline, so a refusal leaves it open for
 * the 413 answer to reach the client.
 */
export async function storeUpload(
  source: Readable,
  options: { mediaRoot: string; maxBytes: number; extension: string },
): Promise<{ path: string; size: number }> {
  const dir = path.join(options.mediaRoot, 'uploads');
  await mkdir(dir, { recursive: true });
  const name = `${randomBytes(16).toString('hex')}.${options.extension}`;
  const temporary = path.join(dir, `.${name}.part`);
  const counted = { bytes: 0 };
  const limiter = byteCap(options.maxBytes, counted);
  const onSourceError = (error: Error) => limiter.destroy(error);
  const onSourceClose = () => {
    if (!source.readableEnded) limiter.destroy(new Error('The client went away mid-upload.'));
  };
  source.once('error', onSourceError);
  source.once('close', onSourceClose);
  source.pipe(limiter);
  try {
    await pipeline(limiter, createWriteStream(temporary, { flags: 'wx', mode: 0o640 }));
    if (counted.bytes === 0) {
      throw new ApiError(400, 'media_empty', 'The upload is empty: send the video as the body.');
    }
    await rename(temporary, path.join(dir, name));
    return { path: `uploads/${name}`, size: counted.bytes };
  } catch (error) {
    source.unpipe(limiter);
    await rm(temporary, { force: true });
    throw error;
  } finally {
    source.off('error', onSourceError);
    source.off('close', onSourceClose);
  }
}
