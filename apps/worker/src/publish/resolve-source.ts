import { realpath, stat } from 'node:fs/promises';
import { isRealPathInside, resolveMediaPath, type VideoSource } from '@tiktok-fleet/posts';
import type { WorkerContext } from '../deps';
import { PostFailure } from '../errors';
import { downloadVideo } from './download-video';

/** Where the bytes come from: a file on this machine, or a URL TikTok pulls itself. */
export type ResolvedSource = { kind: 'file'; path: string } | { kind: 'pull'; url: string };

export async function resolveSource(
  ctx: WorkerContext,
  postId: string,
  source: VideoSource,
  signal: AbortSignal | undefined,
): Promise<ResolvedSource> {
  if ('path' in source) {
    return { kind: 'file', path: await mediaFile(ctx.settings.mediaRoot, source.path) };
  }
  if ('url' in source) {
    return { kind: 'file', path: await downloadVideo(ctx, postId, source.url, signal) };
  }
  return { kind: 'pull', url: source.pullFromUrl };
}

/**
 * The real path of a `path` source, which must be inside MEDIA_ROOT after every symlink is
 * followed: the enqueue side checks too, but a link can be changed after that.
 */
async function mediaFile(mediaRoot: string, requested: string): Promise<string> {
  const outside = () =>
    new PostFailure(
      'video_path_outside_media_root',
      `The video path "${requested}" leads outside the media directory (MEDIA_ROOT), which is ` +
        'the only place the fleet reads videos from. Give a path inside it, as POST /v1/media ' +
        'returns it, without ".." or links that lead out.',
    );
  const resolved = resolveMediaPath(mediaRoot, requested);
  if (!resolved) throw outside();
  let real: string;
  try {
    real = await realpath(resolved.absolute);
  } catch {
    throw new PostFailure(
      'video_not_found',
      `There is no video at "${requested}" in the media directory. Upload it first (POST /v1/media) and post the path it returns.`,
    );
  }
  if (!(await isRealPathInside(mediaRoot, real))) throw outside();
  const info = await stat(real);
  if (!info.isFile()) {
    throw new PostFailure('video_not_a_file', `"${requested}" is a directory, not a video file.`);
  }
  return real;
}
