import type { PostResource, PostStatus } from '@tiktok-fleet/posts';
import { FINAL_STATUSES as FINAL } from '@tiktok-fleet/posts/rules';
import { formatBytes, percentOf } from './format-bytes';

/** Statuses after which nothing changes any more. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set<PostStatus>(FINAL);

/** Statuses that mean TikTok holds every byte of the video. */
const UPLOAD_DONE: ReadonlySet<string> = new Set<PostStatus>(['processing', 'published']);

export interface ProgressView {
  status: string;
  uploadedBytes: number;
  totalBytes: number | null;
  percent: number;
}

/**
 * What the follow view shows for a post. Once TikTok is processing the video every byte has
 * arrived, so the upload counts as complete even when the last progress report was missed
 * between two polls: the bar then ends at 100 % instead of stopping at the last chunk seen.
 */
export function progressOf(post: Pick<PostResource, 'status' | 'progress'>): ProgressView {
  const total = post.progress.totalBytes;
  const uploaded =
    total !== null && UPLOAD_DONE.has(post.status) ? total : post.progress.uploadedBytes;
  return {
    status: post.status,
    uploadedBytes: uploaded,
    totalBytes: total,
    percent: percentOf(uploaded, total),
  };
}

/**
 * One line of the follow view for logs and pipes (no redrawing there), e.g.
 * `post_abc  uploading   42 %  1.2 MiB of 2.9 MiB`. Before the worker has sized the file
 * there is no percentage to show, only the stage.
 */
export function progressLine(postId: string, view: ProgressView): string {
  const stage = view.status.padEnd(10);
  if (view.totalBytes === null) return `${postId}  ${stage}`.trimEnd();
  const percent = `${String(view.percent).padStart(3)} %`;
  return `${postId}  ${stage} ${percent}  ${formatBytes(view.uploadedBytes)} of ${formatBytes(view.totalBytes)}`;
}

/** The same for the local file going to POST /v1/media. */
export function sendLine(file: string, sent: number, total: number): string {
  const percent = `${String(percentOf(sent, total)).padStart(3)} %`;
  return `sending ${file}  ${percent}  ${formatBytes(sent)} of ${formatBytes(total)}`;
}
