import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import type { ApiClient } from './api-client';
import { describeFsError, FileError } from './errors';

/** The containers TikTok takes (packages/media checks the rest on the worker). */
const CONTENT_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** The size of a regular file, or a FileError that says why it cannot be sent. */
export async function fileSize(file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new FileError(file, 'it is not a regular file');
    return info.size;
  } catch (error) {
    if (error instanceof FileError) throw error;
    throw new FileError(file, describeFsError(error));
  }
}

/**
 * Streams a file from disk to POST /v1/media and returns the path the API stored it under
 * (relative to MEDIA_ROOT, what a post's `video.path` takes). `onProgress` sees the bytes
 * handed to the connection; backpressure keeps that within a few chunks of what was sent.
 */
export async function uploadMedia(
  client: ApiClient,
  file: string,
  size: number,
  onProgress: (sent: number) => void,
): Promise<{ path: string }> {
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      onProgress(sent);
      done(null, chunk);
    },
  });
  const source = createReadStream(file);
  source.once('error', (error) => counter.destroy(new FileError(file, describeFsError(error))));
  source.pipe(counter);
  const { body } = await client.request<{ path: string }>('POST', '/v1/media', {
    body: Readable.toWeb(counter) as ReadableStream<Uint8Array>,
    headers: {
      'content-type': contentTypeOf(file),
      'content-length': String(size),
      'x-filename': encodeURIComponent(basename(file)),
    },
  });
  return body;
}
