import { createHash } from 'node:crypto';
import type { SandboxContext } from './context';
import { readPhotoImage } from './photo-image';
import { fail, startProcessing } from './publish-machine';
import type { Publish } from './state';

/** TikTok's photo rules (docs/tiktok-api.md, Photo posts): JPEG or WebP, 20 MB, 1080 px. */
const MAX_PHOTO_BYTES = 20 * 1024 * 1024;
const MAX_LONGER_SIDE = 1080;
/** TikTok gives a download one hour (docs/tiktok-api.md, Pull from URL and cancel). */
const downloadTimeoutMs = 60 * 60_000;

class PhotoRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * Pulls every image of a photo post in order (no redirects), checks each the way TikTok's
 * fail reasons say it does, and ends in processing, or after the processing delay in FAILED:
 * `photo_pull_failed`, `file_format_check_failed` or `picture_size_check_failed`. Like TikTok,
 * the fail reason does not say which image it was.
 */
export async function pullPhotos(ctx: SandboxContext, publish: Publish): Promise<void> {
  const { state } = ctx;
  const photo = publish.photo;
  if (!photo) return;
  const controller = state.scheduler.abortController();
  publish.pullAbort = controller;
  const timer = setTimeout(() => controller.abort(), downloadTimeoutMs);
  try {
    for (const url of photo.urls) {
      const bytes = await download(url, controller.signal, (n) => {
        publish.downloadedBytes += n;
      });
      if (bytes.length > MAX_PHOTO_BYTES) throw new PhotoRefused('picture_size_check_failed');
      const image = readPhotoImage(bytes);
      if (image.format === 'other') throw new PhotoRefused('file_format_check_failed');
      if (image.width === null || image.height === null) {
        throw new PhotoRefused('file_format_check_failed');
      }
      if (Math.max(image.width, image.height) > MAX_LONGER_SIDE) {
        throw new PhotoRefused('picture_size_check_failed');
      }
      photo.images.push({
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        format: image.format,
        width: image.width,
        height: image.height,
      });
    }
    publish.bytesReceived = publish.downloadedBytes;
    startProcessing(ctx, publish);
  } catch (error) {
    if (publish.status === 'FAILED') return;
    const reason = error instanceof PhotoRefused ? error.reason : 'photo_pull_failed';
    state.scheduler.after(state.config.processingDelayMs, () => fail(ctx, publish, reason));
  } finally {
    clearTimeout(timer);
    state.scheduler.forget(controller);
  }
}

async function download(
  url: string,
  signal: AbortSignal,
  onBytes: (count: number) => void,
): Promise<Buffer> {
  const response = await fetch(url, { redirect: 'manual', signal });
  if (response.status !== 200 || !response.body) throw new Error(`HTTP ${response.status}`);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    onBytes(chunk.byteLength);
    // Past the limit the image fails anyway; stop reading instead of holding it all.
    if (total > MAX_PHOTO_BYTES) throw new PhotoRefused('picture_size_check_failed');
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}
