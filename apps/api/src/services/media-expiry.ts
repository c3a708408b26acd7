import { lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  createPreparedMediaRepository,
  type UploadCursor,
  type UploadRetention,
} from '@tiktok-fleet/db';
import type { ApiContext } from '../context';
import { removeUpload } from './media-store';

/** Files looked at per pass, per kind: a pass stays short however many files there are. */
const BATCH = 200;

/** A .part file this old is a dead ffmpeg's (a live one writes several times a second). */
const DEAD_PART_MS = 3600_000;

/** What a sweep needs of the API's context (tests pass their own clock). */
type SweepContext = Pick<ApiContext, 'now' | 'config' | 'db'>;

/** The two clocks of the retention rule (README, Media uploads), as of `ctx.now()`. */
export function uploadRetention(ctx: Pick<ApiContext, 'now' | 'config'>): UploadRetention {
  const now = ctx.now();
  return {
    unusedBefore: new Date(now - ctx.config.MEDIA_UPLOAD_TTL_SECONDS * 1000),
    releasedBefore: new Date(now - ctx.config.MEDIA_USED_RETENTION_SECONDS * 1000),
  };
}

/**
 * Deletes uploads whose time is up (media-uploads.ts, listExpired): unused past
 * MEDIA_UPLOAD_TTL_SECONDS, or used and every post that uses it final for
 * MEDIA_USED_RETENTION_SECONDS. The row goes first, by a statement that checks the rule
 * again (a post that took the upload meanwhile keeps it), then the file; the owner's quota
 * frees with the row. Runs on an interval in the API over every owner, going on from
 * `walk.after` each pass, and before each upload's quota check over that owner's uploads.
 */
export async function sweepExpiredUploads(
  ctx: Pick<ApiContext, 'now' | 'config' | 'mediaUploads'>,
  options: { ownerId?: string; walk?: { after: UploadCursor | null }; limit?: number } = {},
): Promise<number> {
  const retention = uploadRetention(ctx);
  const { paths, next } = await ctx.mediaUploads.listExpired(retention, {
    limit: options.limit,
    ownerId: options.ownerId,
    after: options.walk?.after,
  });
  if (options.walk) options.walk.after = next;
  let removed = 0;
  for (const upload of paths) {
    if (!(await ctx.mediaUploads.deleteExpired(upload, retention))) continue;
    await removeUpload(ctx.config.MEDIA_ROOT, upload);
    removed += 1;
  }
  return removed;
}

/** Where each kind of prepared file's walk got to: the next pass goes on after it. */
export interface PreparedSweepCursor {
  videos: string;
  photos: string;
}

/**
 * Deletes what the preparer made (docs/architecture.md, Preparing a video) once no post
 * needs it: `prepared/<sha256>.mp4`, shared by the posts with that source, and a photo
 * post's `prepared/photos/<post id>/`. Same rule as for a used upload: kept while a post
 * that points at it is open, and MEDIA_USED_RETENTION_SECONDS after the last one turned
 * final. A file modified within that time is kept too: the preparer touches a copy it
 * reuses before it records it on the new post, so a copy picked up meanwhile stays.
 *
 * The API sweeps, not the worker: it already runs the upload sweep on an interval, and it
 * must see MEDIA_ROOT anyway (uploads land there for the workers to read), so one process
 * kind owns deleting under MEDIA_ROOT. Each pass looks at BATCH names per kind, going on
 * from `cursor`, so a pass stays short however full prepared/ is.
 */
export async function sweepPreparedMedia(
  ctx: SweepContext,
  cursor: PreparedSweepCursor = { videos: '', photos: '' },
): Promise<number> {
  const { releasedBefore } = uploadRetention(ctx);
  const prepared = createPreparedMediaRepository(ctx.db);
  const root = path.join(ctx.config.MEDIA_ROOT, 'prepared');
  let removed = 0;

  const videos = await nextBatch(root, cursor.videos);
  cursor.videos = videos.next;
  const old = await olderThan(root, videos.names, releasedBefore.getTime(), 'file');
  const parts = old.filter((name) => name.endsWith('.part'));
  const partsBefore = Math.min(releasedBefore.getTime(), ctx.now() - DEAD_PART_MS);
  for (const name of await olderThan(root, parts, partsBefore, 'file')) {
    removed += await removeIfStillOld(path.join(root, name), releasedBefore.getTime());
  }
  const mp4s = old.filter((name) => name.endsWith('.mp4'));
  const needed = await prepared.videosStillNeeded(
    mp4s.map((name) => `prepared/${name}`),
    releasedBefore,
  );
  for (const name of mp4s) {
    if (needed.has(`prepared/${name}`)) continue;
    removed += await removeIfStillOld(path.join(root, name), releasedBefore.getTime());
  }

  const photosRoot = path.join(root, 'photos');
  const folders = await nextBatch(photosRoot, cursor.photos);
  cursor.photos = folders.next;
  const oldFolders = await olderThan(photosRoot, folders.names, releasedBefore.getTime(), 'dir');
  const open = await prepared.photoPostsStillNeeded(oldFolders, releasedBefore);
  for (const id of oldFolders) {
    if (open.has(id)) continue;
    removed += await removeIfStillOld(path.join(photosRoot, id), releasedBefore.getTime());
  }
  return removed;
}

/** Up to BATCH names of `dir` after `after` (in name order), and where the next pass starts. */
async function nextBatch(dir: string, after: string): Promise<{ names: string[]; next: string }> {
  const all = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const names = all
    .filter((name) => name > after)
    .sort()
    .slice(0, BATCH);
  // Fewer than a batch left: the walk is through, the next pass starts again at the top.
  return { names, next: names.length === BATCH ? (names.at(-1) as string) : '' };
}

/** The names of `dir` that are of `kind` and were last modified before `before` (epoch ms). */
async function olderThan(
  dir: string,
  names: string[],
  before: number,
  kind: 'file' | 'dir',
): Promise<string[]> {
  const old: string[] = [];
  for (const name of names) {
    const info = await lstat(path.join(dir, name)).catch(() => undefined);
    if (!info || (kind === 'file' ? !info.isFile() : !info.isDirectory())) continue;
    if (info.mtimeMs < before) old.push(name);
  }
  return old;
}

/** Removes `target` unless it was touched since the check (a reuse): 1 when it went. */
async function removeIfStillOld(target: string, before: number): Promise<number> {
  const info = await lstat(target).catch(() => undefined);
  if (!info || info.mtimeMs >= before) return 0;
  await rm(target, { recursive: true, force: true });
  return 1;
}
