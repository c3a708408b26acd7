import { join } from 'node:path';
import type { VideoSource } from '@tiktok-fleet/posts';
import type { PublishRun } from '../publish/publish-run';
import { type ResolvedSource, resolveSource } from '../publish/resolve-source';

/** Where prepared videos live, named by their source's sha256 (docs/architecture.md). */
export const preparedDir = (mediaRoot: string) => join(mediaRoot, 'prepared');

/**
 * The file the upload sends: the prepared copy when the preparer made one (the source
 * itself is then no longer needed), else the post's own source.
 */
export async function resolveUploadSource(
  run: PublishRun,
  video: VideoSource,
): Promise<ResolvedSource> {
  const { preparedVideo } = run.post;
  if (preparedVideo) return { kind: 'file', path: join(run.ctx.settings.mediaRoot, preparedVideo) };
  return await resolveSource(run.ctx, run.post.id, video, run.signal);
}
