import { randomBytes } from 'node:crypto';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createMediaUploadRepository } from '@tiktok-fleet/db';
import { describe, expect, test } from 'vitest';
import { sweepExpiredUploads, sweepPreparedMedia } from '../src/services/media-expiry';
import { connectedAccountId } from './support/connect';
import { startApi } from './support/harness';

// The retention rule (README, Media uploads): a used upload, and a prepared copy, is kept
// while a post that uses it is open, then MEDIA_USED_RETENTION_SECONDS more. The API's clock
// is moved instead of waiting; every file is real, under the API's own MEDIA_ROOT.
const HOUR = 3600_000;
let clockOffsetMs = 0;
const now = () => Date.now() + clockOffsetMs;
const api = await startApi({
  env: (baseUrl) => ({
    MEDIA_QUOTA_BYTES_PER_OWNER: '3000',
    MEDIA_UPLOAD_TTL_SECONDS: '60',
    MEDIA_USED_RETENTION_SECONDS: '3600',
    MEDIA_PUBLIC_BASE_URL: `${baseUrl}/media/public/`,
  }),
  deps: { now },
});
const sweepContext = {
  now,
  config: api.config,
  db: api.db,
  mediaUploads: createMediaUploadRepository(api.db),
};
const exists = (relative: string) =>
  stat(path.join(api.mediaRoot, relative)).then(
    () => true,
    () => false,
  );

/** Runs `body` with the API's clock `ms` ahead, then puts it back. */
async function later<T>(ms: number, body: () => Promise<T>): Promise<T> {
  clockOffsetMs = ms;
  try {
    return await body();
  } finally {
    clockOffsetMs = 0;
  }
}

const upload = (bytes: number, key = api.keys.a, type = 'video/mp4') =>
  api.call('POST', '/v1/media', {
    key,
    body: randomBytes(bytes),
    headers: { 'content-type': type },
  });

const postVideo = (accountId: string, videoPath: string, key = api.keys.a) =>
  api.call('POST', '/v1/posts', {
    key,
    json: { accountId, video: { path: videoPath }, privacyLevel: 'SELF_ONLY' },
  });

describe('used uploads', () => {
  test('go MEDIA_USED_RETENTION_SECONDS after their post published, and the quota frees', async () => {
    const accountId = await connectedAccountId(api);
    const first = await upload(2000);
    expect(first.status).toBe(201);
    const created = await postVideo(accountId, first.body.path);
    expect(created.status).toBe(202);
    await api.posts.transition(created.body.id, 'published');

    // Well past MEDIA_UPLOAD_TTL_SECONDS but within the retention: kept, and still counted.
    const tooSoon = await later(30 * 60_000, () => upload(1500));
    expect(tooSoon.status).toBe(413);
    expect(tooSoon.body.error.code).toBe('media_quota_exceeded');
    expect(await exists(first.body.path)).toBe(true);

    // Past the retention: the upload before the quota check sweeps it, and fits.
    const fits = await later(HOUR + 60_000, () => upload(1500));
    expect(fits.status).toBe(201);
    expect(await exists(first.body.path)).toBe(false);
    expect(await api.db.mediaUpload.findUnique({ where: { path: first.body.path } })).toBeNull();

    // Posting the deleted path again is the caller's mistake, said as such.
    const again = await postVideo(accountId, first.body.path);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('media_not_found');
    expect(again.body.error.message).toContain('Upload it again with POST /v1/media');
  });

  test('are kept however old while a post that uses them is open, then go after the last', async () => {
    const accountId = await connectedAccountId(api, api.keys.b);
    const video = await upload(800, api.keys.b);
    const scheduledVideo = await upload(700, api.keys.b);
    const image = await upload(600, api.keys.b, 'image/jpeg');
    expect([video.status, scheduledVideo.status, image.status]).toEqual([201, 201, 201]);
    // One upload used by two posts: the first published, the second still queued.
    const published = await postVideo(accountId, video.body.path, api.keys.b);
    const queued = await postVideo(accountId, video.body.path, api.keys.b);
    const scheduled = await api.call('POST', '/v1/posts', {
      key: api.keys.b,
      json: {
        accountId,
        video: { path: scheduledVideo.body.path },
        privacyLevel: 'SELF_ONLY',
        scheduledAt: new Date(Date.now() + 2 * 24 * HOUR).toISOString(),
      },
    });
    const photos = await api.call('POST', '/v1/posts', {
      key: api.keys.b,
      json: { accountId, photos: [{ path: image.body.path }], privacyLevel: 'SELF_ONLY' },
    });
    expect([published.status, queued.status, scheduled.status, photos.status]).toEqual([
      202, 202, 202, 202,
    ]);
    expect(await api.posts.currentStatus(scheduled.body.id)).toBe('scheduled');
    await api.posts.transition(published.body.id, 'published');

    // As if uploaded and first used ten days ago: what keeps them is the open posts only.
    const paths = [video.body.path, scheduledVideo.body.path, image.body.path];
    const tenDaysAgo = new Date(Date.now() - 10 * 24 * HOUR);
    await api.db.mediaUpload.updateMany({
      where: { path: { in: paths } },
      data: { createdAt: tenDaysAgo, usedAt: tenDaysAgo },
    });
    await sweepExpiredUploads(sweepContext);
    for (const kept of paths) expect(await exists(kept)).toBe(true);

    // The last open posts finish: an hour after that, every file has gone.
    await api.posts.transition(queued.body.id, 'failed');
    await api.posts.transition(scheduled.body.id, 'canceled');
    await api.posts.transition(photos.body.id, 'published');
    await later(HOUR - 60_000, async () => {
      await sweepExpiredUploads(sweepContext);
    });
    for (const kept of paths) expect(await exists(kept)).toBe(true);
    const fits = await later(HOUR + 60_000, () => upload(2900, api.keys.b));
    expect(fits.status).toBe(201);
    for (const gone of paths) expect(await exists(gone)).toBe(false);
  });
});

describe('the sweep', () => {
  test('goes on past uploads that open posts hold, instead of looking at them every pass', async () => {
    const accountId = await connectedAccountId(api);
    const [held1, held2, unused] = await Promise.all([upload(10), upload(10), upload(10)]);
    for (const held of [held1, held2]) {
      expect((await postVideo(accountId, held.body.path)).status).toBe(202);
    }
    // The oldest uploads of all, in this order: two held by queued posts, then one unused.
    const order = [held1, held2, unused].map((reply) => reply.body.path as string);
    for (const [index, uploadPath] of order.entries()) {
      await api.db.mediaUpload.update({
        where: { path: uploadPath },
        data: {
          createdAt: new Date(Date.now() - 30 * 24 * HOUR + index * 1000),
          ...(index < 2 && { usedAt: new Date(Date.now() - 30 * 24 * HOUR + index * 1000) }),
        },
      });
    }
    // One upload looked at per pass: the third pass reaches the unused one.
    const walk = { after: null };
    for (let pass = 0; pass < 3; pass += 1) {
      await sweepExpiredUploads(sweepContext, { walk, limit: 1 });
    }
    expect(await exists(unused.body.path)).toBe(false);
    expect(await exists(held1.body.path)).toBe(true);
    expect(await exists(held2.body.path)).toBe(true);
  });
});

describe('prepared copies', () => {
  test('go after their posts are final, and stay while one is open', async () => {
    const accountId = await connectedAccountId(api);
    const prepared = path.join(api.mediaRoot, 'prepared');
    await mkdir(path.join(prepared, 'photos'), { recursive: true });
    const copy = async (name: string) => {
      await writeFile(path.join(prepared, name), randomBytes(100));
      return `prepared/${name}`;
    };
    const shared = await copy(`${'a'.repeat(64)}.mp4`);
    const done = await copy(`${'b'.repeat(64)}.mp4`);
    const orphan = await copy(`${'c'.repeat(64)}.mp4`);

    // Two posts share one copy (the same source); one of them is still open.
    const postWith = async (preparedVideo: string) => {
      const source = await upload(10);
      const created = await postVideo(accountId, source.body.path);
      expect(created.status).toBe(202);
      await api.posts.update(created.body.id, { preparedVideo });
      return created.body.id as string;
    };
    const sharedFinal = await postWith(shared);
    const sharedOpen = await postWith(shared);
    const doneId = await postWith(done);
    await api.posts.transition(sharedFinal, 'published');
    await api.posts.transition(doneId, 'failed');
    // A photo post's prepared images: its folder, named by the post.
    for (const id of [doneId, sharedOpen]) {
      await mkdir(path.join(prepared, 'photos', id));
      await writeFile(path.join(prepared, 'photos', id, '0.jpg'), randomBytes(50));
    }

    // Within the retention nothing goes, not even the copy no post points at.
    await later(HOUR - 60_000, () => sweepPreparedMedia(sweepContext));
    expect(await readdir(prepared)).toHaveLength(4);

    const removed = await later(HOUR + 60_000, () => sweepPreparedMedia(sweepContext));
    expect(removed).toBe(3);
    expect(await exists(shared)).toBe(true);
    expect(await exists(done)).toBe(false);
    expect(await exists(orphan)).toBe(false);
    expect(await readdir(path.join(prepared, 'photos'))).toEqual([sharedOpen]);

    // The open post finishes: its copy and its folder go a retention later.
    await api.posts.transition(sharedOpen, 'canceled');
    await later(HOUR + 60_000, () => sweepPreparedMedia(sweepContext));
    expect(await readdir(prepared)).toEqual(['photos']);
    expect(await readdir(path.join(prepared, 'photos'))).toEqual([]);
  });
});
