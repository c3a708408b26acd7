import { mkdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import {
  type ImageProbe,
  imageProblem,
  PhotoError,
  prepareImage,
  probeImage,
} from '@tiktok-fleet/media';
import { type PhotoPostRequest, resolveMediaPath } from '@tiktok-fleet/posts';
import type { WorkerContext } from '../deps';
import { PostFailure } from '../errors';
import { DownloadError, downloadVideo } from '../publish/download-video';

/** One image as TikTok will get it: a file under MEDIA_ROOT that passes TikTok's rules. */
export interface ReadyImage {
  /** `/`-separated, relative to MEDIA_ROOT: what the signed link names. */
  relativePath: string;
  probe: ImageProbe;
  prepared: boolean;
}

/** Problems `prepare: "auto"` fixes with ffmpeg; a file ffmpeg cannot read stays refused. */
const PREPARABLE = new Set([
  'photo_format_unsupported',
  'photo_size_too_large',
  'photo_resolution_too_high',
]);

/** Images looked at side by side: ffprobe and ffmpeg are separate processes, mostly waiting. */
const PARALLEL = 4;

/**
 * Checks every image before anything goes to TikTok and fails on the first bad one in
 * carousel order, naming it by its index (TikTok itself fails the whole post without saying
 * which, docs/tiktok-api.md, Photo posts). With `prepare: "auto"`, PNG, HEIC and oversized
 * images become fitting JPEGs under MEDIA_ROOT/prepared/photos/<post id>/.
 */
export async function readyImages(
  ctx: WorkerContext,
  postId: string,
  request: PhotoPostRequest,
  signal: AbortSignal | undefined,
): Promise<ReadyImage[]> {
  const outcomes: Array<{ ok: ReadyImage } | { error: unknown }> = [];
  let next = 0;
  let failed = false;
  const lane = async () => {
    // After a failure, no new image is started: the post fails anyway.
    while (next < request.photos.length && !failed) {
      const index = next++;
      const photo = request.photos[index] as PhotoPostRequest['photos'][number];
      try {
        outcomes[index] = { ok: await readyImage(ctx, postId, request, index, photo, signal) };
      } catch (error) {
        failed = true;
        outcomes[index] = { error: asPostError(error) };
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, lane));
  const ready: ReadyImage[] = [];
  for (const outcome of outcomes) {
    if (!outcome) continue;
    if ('error' in outcome) throw outcome.error;
    ready.push(outcome.ok);
  }
  return ready;
}

async function readyImage(
  ctx: WorkerContext,
  postId: string,
  request: PhotoPostRequest,
  index: number,
  photo: PhotoPostRequest['photos'][number],
  signal: AbortSignal | undefined,
): Promise<ReadyImage> {
  const mediaRoot = ctx.settings.mediaRoot;
  const absolute = await localFile(ctx, postId, index, photo, signal);
  const probe = await probeImage(absolute, index);
  const problem = imageProblem(probe, index);
  if (!problem) return { relativePath: relativeTo(mediaRoot, absolute), probe, prepared: false };
  if (request.prepare !== 'auto' || !PREPARABLE.has(problem.code)) throw problem;
  const dir = join(mediaRoot, 'prepared', 'photos', postId);
  await mkdir(dir, { recursive: true });
  const target = join(dir, `${index}.jpg`);
  await prepareImage(absolute, target, index);
  const preparedProbe = await probeImage(target, index);
  const still = imageProblem(preparedProbe, index);
  if (still) throw still;
  return { relativePath: relativeTo(mediaRoot, target), probe: preparedProbe, prepared: true };
}

async function localFile(
  ctx: WorkerContext,
  postId: string,
  index: number,
  photo: PhotoPostRequest['photos'][number],
  signal: AbortSignal | undefined,
): Promise<string> {
  if ('path' in photo) {
    const resolved = resolveMediaPath(ctx.settings.mediaRoot, photo.path);
    if (!resolved) {
      throw new PostFailure(
        'photo_path_outside_media_root',
        `photos[${index}]: the path is outside MEDIA_ROOT.`,
        { index },
      );
    }
    return resolved.absolute;
  }
  try {
    // The video download's rules (private addresses, size, time), one file per image.
    return await downloadVideo(ctx, `${postId}.photo-${index}`, photo.url, signal);
  } catch (error) {
    if (error instanceof PostFailure) {
      throw new PostFailure(
        error.code.replace(/^video_/, 'photo_'),
        `photos[${index}]: ${error.message}`,
        { index },
      );
    }
    if (error instanceof DownloadError) {
      throw new DownloadError(error.code, `photos[${index}]: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** A bad image ends the post (its code, the index in the message); a tool failure is retried. */
function asPostError(error: unknown): unknown {
  if (!(error instanceof PhotoError) || error.retryable) return error;
  return new PostFailure(error.code, error.message, {
    index: error.index,
    ...error.details,
  } as never);
}

function relativeTo(mediaRoot: string, absolute: string): string {
  return relative(mediaRoot, absolute).split(sep).join('/');
}
