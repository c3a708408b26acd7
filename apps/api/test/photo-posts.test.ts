import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseConfig } from '@tiktok-fleet/config';
import { mediaLinkSecret, signMediaLink } from '@tiktok-fleet/media';
import { createLogger } from '@tiktok-fleet/observability';
import { waitUntil } from '@tiktok-fleet/testing';
import { sha256File } from '@tiktok-fleet/testing/videos';
import { createWorkerDeps, startWorkers, WORKER_CONFIG_KEYS } from '@tiktok-fleet/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedAccountId } from './support/connect';
import { startApi, type TestApi } from './support/harness';

/**
 * Photo posts end to end (docs/architecture.md, Photo posts): the API takes the request and
 * serves the images on signed links, a worker checks (and prepares) them and asks TikTok's
 * content/init, and the sandbox pulls every image from the API over HTTP, only from its
 * verified prefix, checking each as TikTok does.
 */
let api: TestApi;
let accountId: string;

const ffmpeg = (args: string[]) => promisify(execFile)('ffmpeg', ['-v', 'error', '-y', ...args]);

/** A small test-pattern image made with ffmpeg; `name`'s extension picks the format. */
async function makeImage(name: string, size: string, seed = 0): Promise<string> {
  await mkdir(join(api.mediaRoot, 'photos'), { recursive: true });
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${size}:rate=1`,
    '-ss',
    String(seed),
    '-frames:v',
    '1',
    join(api.mediaRoot, 'photos', name),
  ]);
  return `photos/${name}`;
}

beforeAll(async () => {
  api = await startApi({
    env: (baseUrl) => ({ MEDIA_PUBLIC_BASE_URL: `${baseUrl}/media/public/` }),
  });
  await api.sandboxControl('PATCH', '/_sandbox/config', {
    processingDelayMs: 50,
    moderationDelayMs: 50,
    rateLimits: false,
    dailyPostCap: 100,
    verifiedUrlPrefixes: [`${api.baseUrl}/media/public/`],
  });
  accountId = await connectedAccountId(api);
  const config = api.config;
  const worker = createWorkerDeps(
    parseConfig(WORKER_CONFIG_KEYS, {
      TIKTOK_CLIENT_KEY: config.TIKTOK_CLIENT_KEY,
      TIKTOK_CLIENT_SECRET: config.TIKTOK_CLIENT_SECRET,
      TIKTOK_API_BASE_URL: config.TIKTOK_API_BASE_URL,
      TIKTOK_AUTH_URL: config.TIKTOK_AUTH_URL,
      REDIS_URL: config.REDIS_URL,
      REDIS_PREFIX: config.REDIS_PREFIX,
      DATABASE_URL: config.DATABASE_URL,
      DATABASE_POOL_SIZE: '3',
      TOKEN_ENCRYPTION_KEY: config.TOKEN_ENCRYPTION_KEY,
      MEDIA_ROOT: config.MEDIA_ROOT,
      MEDIA_PUBLIC_BASE_URL: config.MEDIA_PUBLIC_BASE_URL as string,
      CALLBACK_SIGNING_SECRET: randomBytes(24).toString('hex'),
      DAILY_POST_CAP: '100',
      // The `url` photo below is on this machine.
      URL_SOURCE_ALLOW_PRIVATE: 'true',
      WORKER_METRICS_PORT: '0',
    }),
    createLogger({ name: 'photo-test-worker', level: 'silent', format: 'json' }),
  );
  worker.settings = {
    ...worker.settings,
    statusPoll: { firstDelayMs: 200, maxDelayMs: 500, postIdWaitMs: 10_000, postIdPollMs: 200 },
  };
  const workers = await startWorkers(worker, { scheduleSweep: false });
  afterAll(async () => {
    await workers.close({ graceMs: 2_000 });
    await worker.close();
  });
});

async function post(body: Record<string, unknown>) {
  return api.call('POST', '/v1/posts', {
    json: { accountId, privacyLevel: 'PUBLIC_TO_EVERYONE', ...body },
  });
}

async function settled(postId: string) {
  return waitUntil(
    async () => {
      const { body } = await api.call('GET', `/v1/posts/${postId}`);
      return ['published', 'failed'].includes(body.status) ? body : undefined;
    },
    { what: `post ${postId} to end`, timeoutMs: 30_000, intervalMs: 100 },
  );
}

async function sandboxPublish(publishId: string) {
  const publishes = await api.sandboxControl('GET', '/_sandbox/publishes');
  return publishes.find((p: { publishId: string }) => p.publishId === publishId);
}

describe('photo posts', () => {
  it('publishes a carousel of 3 photos, pulled by TikTok through signed links', async () => {
    const photos = [
      await makeImage('a.jpg', '864x1080', 0),
      await makeImage('b.jpg', '1080x1080', 1),
      await makeImage('c.webp', '608x1080', 2),
    ];
    const created = await post({
      photos: photos.map((path) => ({ path })),
      coverIndex: 1,
      title: 'Three photos',
      description: 'A carousel #fleet',
      autoAddMusic: true,
    });
    expect(created.status).toBe(202);
    const done = await settled(created.body.id);
    expect(done.error).toBeNull();
    expect(done.status).toBe('published');
    expect(done.publishId).toMatch(/^p_pub_url~v2\.\d{19}$/);
    expect(done.photos).toMatchObject({ coverIndex: 1, description: 'A carousel #fleet' });

    const publish = await sandboxPublish(done.publishId);
    expect(publish.status).toBe('PUBLISH_COMPLETE');
    expect(publish.title).toBe('Three photos');
    expect(publish.photo.coverIndex).toBe(1);
    expect(publish.photo.autoAddMusic).toBe(true);
    // TikTok got exactly the files, in order, and every link was a signed, expiring one.
    const hashes = await Promise.all(photos.map((p) => sha256File(join(api.mediaRoot, p))));
    expect(publish.photo.images.map((i: { sha256: string }) => i.sha256)).toEqual(hashes);
    for (const url of publish.photo.urls as string[]) {
      expect(url.startsWith(`${api.baseUrl}/media/public/photos/`)).toBe(true);
      expect(new URL(url).searchParams.get('signature')).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('publishes a carousel of 35 photos', async () => {
    const path = await makeImage('small.jpg', '320x240');
    const created = await post({ photos: Array.from({ length: 35 }, () => ({ path })) });
    expect(created.status).toBe(202);
    const done = await settled(created.body.id);
    expect(done.status).toBe('published');
    const publish = await sandboxPublish(done.publishId);
    expect(publish.photo.images).toHaveLength(35);
  });

  it('downloads a url image first, then hands TikTok a link of its own', async () => {
    const path = await makeImage('remote.jpg', '480x480');
    // Any URL the worker can fetch; here a signed link of this API stands in for a CDN.
    const url = signMediaLink({
      baseUrl: `${api.baseUrl}/media/public/`,
      relativePath: path,
      secret: mediaLinkSecret(api.config),
      ttlSec: 600,
    });
    const created = await post({ photos: [{ url }] });
    const done = await settled(created.body.id);
    expect(done.status).toBe('published');
    const publish = await sandboxPublish(done.publishId);
    expect(publish.photo.urls[0]).toContain('/media/public/.downloads/');
    const served = await fetch(publish.photo.urls[0]);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect(publish.photo.images[0].sha256).toBe(await sha256File(join(api.mediaRoot, path)));
  });

  it('prepares a PNG and an oversized JPEG into JPEGs TikTok takes with prepare: auto', async () => {
    const photos = [
      await makeImage('shot.png', '640x480'),
      await makeImage('huge.jpg', '2400x1600'),
    ];
    const created = await post({ photos: photos.map((path) => ({ path })), prepare: 'auto' });
    const done = await settled(created.body.id);
    expect(done.status).toBe('published');
    const publish = await sandboxPublish(done.publishId);
    expect(publish.photo.images).toMatchObject([
      { format: 'jpeg', width: 640, height: 480 },
      { format: 'jpeg', width: 1080, height: 720 },
    ]);
  });

  it('fails a bad image without prepare, naming its index, before TikTok hears of it', async () => {
    const good = await makeImage('fine.jpg', '640x480');
    const png = await makeImage('plain.png', '640x480');
    const before = (await api.sandboxControl('GET', '/_sandbox/publishes')).length;
    const created = await post({ photos: [{ path: good }, { path: good }, { path: png }] });
    const done = await settled(created.body.id);
    expect(done.status).toBe('failed');
    expect(done.error.code).toBe('photo_format_unsupported');
    expect(done.error.message).toContain('photos[2]');
    expect((await api.sandboxControl('GET', '/_sandbox/publishes')).length).toBe(before);
  });

  it('returns the first photo post for a repeated Idempotency-Key, and refuses other photos', async () => {
    const path = await makeImage('again.jpg', '320x240');
    const scheduledAt = new Date(Date.now() + 86_400_000).toISOString();
    const body = { accountId, privacyLevel: 'SELF_ONLY', photos: [{ path }], scheduledAt };
    const headers = { 'idempotency-key': `photos-${Date.now()}` };
    const first = await api.call('POST', '/v1/posts', { json: body, headers });
    const again = await api.call('POST', '/v1/posts', { json: body, headers });
    expect([first.status, again.status]).toEqual([202, 200]);
    expect(again.body.id).toBe(first.body.id);
    const other = await api.call('POST', '/v1/posts', {
      json: { ...body, photos: [{ path }, { path }] },
      headers,
    });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    await api.call('POST', `/v1/posts/${first.body.id}/cancel`);
  });

  it('refuses the video-only fields of a photo post, each by name', async () => {
    const path = await makeImage('one.jpg', '320x240');
    const refused = await post({
      photos: [{ path }],
      disableDuet: true,
      disableStitch: false,
      coverTimestampMs: 1000,
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_request');
    const fields = refused.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(
      expect.arrayContaining(['disableDuet', 'disableStitch', 'coverTimestampMs']),
    );
  });

  it('refuses a link nobody signed, an expired one and one whose expiry was moved', async () => {
    const path = await makeImage('secret.jpg', '320x240');
    const forged = await fetch(
      `${api.baseUrl}/media/public/${path}?expires=9999999999&signature=${'0'.repeat(64)}`,
    );
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe(
      'media_link_invalid',
    );
    // A link the fleet did sign, once its time is up.
    const expired = new URL(
      signMediaLink({
        baseUrl: `${api.baseUrl}/media/public/`,
        relativePath: path,
        secret: mediaLinkSecret(api.config),
        ttlSec: 60,
        now: new Date(Date.now() - 120_000),
      }),
    );
    expect((await fetch(expired)).status).toBe(410);
    expired.searchParams.set('expires', String(Math.floor(Date.now() / 1000) + 3600));
    expect((await fetch(expired)).status).toBe(403);
  });
});

describe('photo posts without hosting', () => {
  let bare: TestApi;
  beforeAll(async () => {
    bare = await startApi();
  });

  it('are refused with photo_hosting_not_configured when MEDIA_PUBLIC_BASE_URL is unset', async () => {
    const refused = await bare.call('POST', '/v1/posts', {
      json: { accountId: 'acc_any', photos: [{ path: 'a.jpg' }], privacyLevel: 'SELF_ONLY' },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('photo_hosting_not_configured');
    // And nothing under /media/public/ answers at all.
    const probe = await fetch(`${bare.baseUrl}/media/public/a.jpg?expires=1&signature=00`);
    expect(probe.status).toBe(404);
  });
});
