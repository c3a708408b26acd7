import { createReadStream, existsSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { enqueue } from '@tiktok-fleet/queue';
import { waitUntil } from '@tiktok-fleet/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type AccountNumbers,
  analyticsCacheKey,
  type PostNumbers,
  SIGNATURE_HEADER,
  verifyCallback,
  type WorkerFleet,
} from '../src/index';
import { fixture, isFinal, sha256File, useFleet } from './support/fleet';

const fleet = useFleet();
const { env } = fleet;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A backend on loopback: it serves a video, and takes callbacks (the first one fails). */
let server: Server;
let base: string;
const callbacks: Received[] = [];
let failNextCallbacks = 1;
let workers: WorkerFleet;
let accountId: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/media/clip.mp4') {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      createReadStream(fixture('valid-vertical.mp4')).pipe(res);
      return;
    }
    if (req.method === 'GET' && req.url === '/go/clip') {
      res.writeHead(302, { location: '/media/clip.mp4' }).end();
      return;
    }
    let body = '';
    req.on('data', (piece) => {
      body += piece;
    });
    req.on('end', () => {
      callbacks.push({ path: req.url ?? '', headers: req.headers, body });
      const fail = failNextCallbacks > 0;
      failNextCallbacks -= 1;
      res.writeHead(fail ? 500 : 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Loopback is where this test's backend lives, so it must be allowed here.
  workers = await env.start({
    urlSource: { maxBytes: 50 * 1024 * 1024, timeoutMs: 10_000, allowPrivate: true },
  });
  accountId = (await fleet.connectAccount()).account.id;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** Callbacks are retried with backoff, so a delivery can take a while. */
const callbackWait = (what: string) => ({ what, timeoutMs: 30_000, intervalMs: 50 });

describe('a url source and the callback', () => {
  test('a video downloaded through a redirect is published, and the signed callback is retried after a 500', async () => {
    const created = await fleet.createPost({
      accountId,
      video: { url: `${base}/go/clip` },
      callbackUrl: `${base}/hooks/tiktok`,
    });
    const post = await fleet.waitForPost(created.id, isFinal);
    expect(post.status).toBe('published');
    const publish = (await fleet.publishes()).find((p) => p.publishId === post.publishId);
    expect(publish?.sha256).toBe(await sha256File(fixture('valid-vertical.mp4')));
    // The download was only needed until TikTok had the bytes.
    expect(existsSync(join(env.mediaRoot, '.downloads', post.id))).toBe(false);

    // The first delivery got a 500; the catalog's backoff sent it again.
    const delivered = await waitUntil(async () => {
      const events = (await fleet.post(post.id)).events;
      const tries = events.map(
        (e) => (e.detail as { callback?: { delivered: boolean } })?.callback,
      );
      return tries.some((t) => t?.delivered) ? tries.filter(Boolean) : undefined;
    }, callbackWait('a delivered callback'));
    expect(delivered).toMatchObject([
      { event: 'post.published', attempt: 1, delivered: false, httpStatus: 500 },
      { event: 'post.published', attempt: 2, delivered: true, httpStatus: 204 },
    ]);
    const mine = callbacks.filter((c) => c.body.includes(post.id));
    expect(mine).toHaveLength(2);
    const last = mine[1] as Received;
    expect(last.path).toBe('/hooks/tiktok');
    expect(last.headers['content-type']).toBe('application/json');
    const signature = last.headers[SIGNATURE_HEADER.toLowerCase()] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyCallback(env.callbackSecret, last.body, signature)).toBe(true);
    expect(verifyCallback('another-secret-entirely', last.body, signature)).toBe(false);
    expect(verifyCallback(env.callbackSecret, `${last.body} `, signature)).toBe(false);

    const payload = JSON.parse(last.body);
    expect(payload.event).toBe('post.published');
    expect(payload.post).toMatchObject({ id: post.id, status: 'published', accountId });
    // The id travels as a string, every digit as TikTok sent it.
    expect(payload.post.tiktok.postId).toBe(post.tiktokPostId);
    expect(last.body).toContain(`"postId":"${post.tiktokPostId}"`);
    expect(JSON.stringify(payload)).not.toMatch(/upload_token|uploadUrl/);
  }, 60_000);

  test('a failed post calls back with its error', async () => {
    failNextCallbacks = 0;
    const path = await fleet.addMedia('too-short.mp4', 'notify/short.mp4');
    const created = await fleet.createPost({
      accountId,
      video: { path },
      callbackUrl: `${base}/hooks/failed`,
    });
    const received = await waitUntil(
      async () => callbacks.find((c) => c.path === '/hooks/failed'),
      callbackWait('the failure callback'),
    );
    const payload = JSON.parse(received.body);
    expect(payload.event).toBe('post.failed');
    expect(payload.post.id).toBe(created.id);
    expect(payload.post.error.code).toBe('video_duration_too_short');
  });
});

describe('analytics', () => {
  test('a published post and its account get counts, snapshots and a cached copy', async () => {
    const path = await fleet.addMedia('valid-vertical.mp4', 'notify/analytics.mp4');
    const created = await fleet.createPost({ accountId, video: { path } });
    const post = await fleet.waitForPost(created.id, isFinal);
    expect(post.tiktokPostId).toMatch(/^\d{19}$/);

    const job = await enqueue(env.queues, 'analytics', 'analytics', { accountId, postId: post.id });
    expect(await fleet.jobFinished('analytics', job.id as string)).toBe('completed');
    const numbers = (await env.queues.analytics.getJob(job.id as string))
      ?.returnvalue as PostNumbers;
    expect(numbers).toMatchObject({ postId: post.id, tiktokVideoId: post.tiktokPostId });
    const expected =
      numbers.views > 0
        ? ((numbers.likes + numbers.comments + numbers.shares) / numbers.views) * 100
        : 0;
    expect(numbers.engagementRate).toBeCloseTo(expected, 10);
    const [snapshot] = await env.rows.snapshotsOfPost(post.id);
    if (!snapshot) throw new Error(`no analytics snapshot of ${post.id} was stored`);
    expect(snapshot.tiktokVideoId).toBe(post.tiktokPostId);
    expect(Number(snapshot.views)).toBe(numbers.views);
    const key = analyticsCacheKey(env.prefix, 'post', post.id);
    expect(JSON.parse((await env.redis.get(key)) ?? '{}')).toMatchObject({ postId: post.id });
    const ttl = await env.redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600);

    const accountJob = await enqueue(env.queues, 'analytics', 'analytics', { accountId });
    expect(await fleet.jobFinished('analytics', accountJob.id as string)).toBe('completed');
    const account = (await env.queues.analytics.getJob(accountJob.id as string))
      ?.returnvalue as AccountNumbers;
    expect(typeof account.followerCount).toBe('number');
    expect(account.videos.find((v) => v.tiktokVideoId === post.tiktokPostId)?.postId).toBe(post.id);
    expect(await env.redis.exists(analyticsCacheKey(env.prefix, 'account', accountId))).toBe(1);
  });
});

describe('callbacks to internal addresses', () => {
  test('without URL_SOURCE_ALLOW_PRIVATE a loopback callback is refused, not sent', async () => {
    await workers.close();
    await env.start({ urlSource: { maxBytes: 1024, timeoutMs: 1_000, allowPrivate: false } });
    const before = callbacks.length;
    const path = await fleet.addMedia('empty.mp4', 'notify/empty.mp4');
    const created = await fleet.createPost({
      accountId,
      video: { path },
      callbackUrl: `${base}/hooks/refused`,
    });
    const event = await waitUntil(async () => {
      const events = (await fleet.post(created.id)).events;
      return events.find((e) => JSON.stringify(e.detail).includes('callback'));
    }, callbackWait('the refused delivery'));
    expect(JSON.stringify(event.detail)).toContain('public addresses only');
    expect(await fleet.jobFinished('notify', `notify-${created.id}-post.failed`)).toBe('failed');
    expect(callbacks.length).toBe(before);
  });
});
