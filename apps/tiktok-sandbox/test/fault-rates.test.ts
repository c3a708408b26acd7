import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index';
import { api, connect, control, directInit, fileSource, putChunk, sandboxFor } from './helpers';

const initPath = '/v2/post/publish/video/init/';
const statusPath = '/v2/post/publish/status/fetch/';
const MiB = 2 ** 20;
const noRates = { chunk5xx: 0, chunkReset: 0, init429: 0, status5xx: 0, tokenExpiry: 0 };

let sandbox: Sandbox;
let token: string;
beforeAll(async () => {
  sandbox = await sandboxFor({ rateLimits: false });
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  await control(sandbox, 'PATCH', '/config', { faultRates: noRates, faultSeed: 1 });
  await control(sandbox, 'POST', '/reset');
  token = (await connect(sandbox)).access_token;
});

const rates = (faultRates: Record<string, number>, faultSeed?: number) =>
  control(sandbox, 'PATCH', '/config', { faultRates, ...(faultSeed ? { faultSeed } : {}) });

async function openUpload(videoSize: number, chunkSize = videoSize, count = 1) {
  const res = await api(
    sandbox,
    token,
    initPath,
    directInit('SELF_ONLY', fileSource(videoSize, chunkSize, count)),
  );
  expect(res.body.error.code).toBe('ok');
  return res.body.data as { publish_id: string; upload_url: string };
}

async function publishOf(publishId: string) {
  const all = (await control(sandbox, 'GET', '/publishes')).body as Array<Record<string, unknown>>;
  return all.find((p) => p.publishId === publishId) as Record<string, unknown>;
}

const stats = async () => (await control(sandbox, 'GET', '/stats')).body;

describe('faultRates in PATCH /_sandbox/config', () => {
  it('merges the rates field by field and refuses unknown names and rates outside 0..1', async () => {
    await rates({ chunk5xx: 0.05 });
    const config = (await rates({ status5xx: 0.1 })).body;
    expect(config.faultRates).toEqual({ ...noRates, chunk5xx: 0.05, status5xx: 0.1 });

    const unknown = await rates({ chunk500: 0.1 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toContain('Unknown fault rate "chunk500"');
    const tooHigh = await rates({ init429: 1.5 });
    expect(tooHigh.status).toBe(400);
    expect(tooHigh.body.error).toContain('faultRates.init429 must be a number from 0 to 1');
    expect((await control(sandbox, 'PATCH', '/config', { faultRates: [0.1] })).status).toBe(400);
    // A refused patch changes nothing.
    expect((await control(sandbox, 'GET', '/config')).body.faultRates.init429).toBe(0);
  });

  it('the same seed gives the same faults, in the same order', async () => {
    const { publish_id } = await openUpload(1000);
    const outcomes = async () => {
      const seen: number[] = [];
      for (let i = 0; i < 24; i++) {
        seen.push((await api(sandbox, token, statusPath, { publish_id })).status);
      }
      return seen;
    };
    await rates({ status5xx: 0.5 }, 42);
    const first = await outcomes();
    await rates({ status5xx: 0.5 }, 42);
    const again = await outcomes();
    expect(again).toEqual(first);
    expect(first).toContain(200);
    expect(first.some((s) => s >= 500)).toBe(true);
    await rates({ status5xx: 0.5 }, 7);
    expect(await outcomes()).not.toEqual(first);
  });
});

describe('each rate fault', () => {
  it('status5xx: the status fetch answers 5xx with TikTok error JSON, counted in faultsFired', async () => {
    const { publish_id } = await openUpload(1000);
    await rates({ status5xx: 1 });
    const res = await api(sandbox, token, statusPath, { publish_id });
    expect([500, 502, 503]).toContain(res.status);
    expect(res.body.error.code).toBe('internal_error');
    expect((await stats()).faultsFired.status5xx).toBe(1);
    await rates({ status5xx: 0 });
    const ok = await api(sandbox, token, statusPath, { publish_id });
    expect(ok.status).toBe(200);
    expect(ok.body.data.status).toBe('PROCESSING_UPLOAD');
  });

  it('chunk5xx: the chunk answers 5xx and does not count, though its bytes were sent', async () => {
    const video = randomBytes(3000);
    const { publish_id, upload_url } = await openUpload(3000);
    await rates({ chunk5xx: 1 });
    const refused = await putChunk(upload_url, video, 0, 3000);
    expect([500, 502, 503]).toContain(refused.status);
    expect(refused.body.error.code).toBe('internal_error');
    expect(await publishOf(publish_id)).toMatchObject({ bytesReceived: 0, bytesTransferred: 3000 });

    await rates({ chunk5xx: 0 });
    expect((await putChunk(upload_url, video, 0, 3000)).status).toBe(201);
    expect(await publishOf(publish_id)).toMatchObject({
      bytesReceived: 3000,
      bytesTransferred: 6000,
      sha256: createHash('sha256').update(video).digest('hex'),
    });
  });

  it('chunkReset: part of the body arrives, then the connection drops; the resent chunk completes the file', async () => {
    const size = 6 * MiB;
    const video = randomBytes(size);
    const { publish_id, upload_url } = await openUpload(size);
    await rates({ chunkReset: 1 });
    await expect(putChunk(upload_url, video, 0, size)).rejects.toThrow();
    const cut = await publishOf(publish_id);
    expect(cut.bytesReceived).toBe(0);
    // TikTok read 10-90 % of the body before the socket went.
    expect(cut.bytesTransferred).toBeGreaterThanOrEqual(size * 0.1);
    expect(cut.bytesTransferred).toBeLessThan(size);
    expect((await stats()).faultsFired.chunkReset).toBe(1);

    await rates({ chunkReset: 0 });
    const res = await putChunk(upload_url, video, 0, size);
    expect(res.status).toBe(201);
    const done = await publishOf(publish_id);
    expect(done.sha256).toBe(createHash('sha256').update(video).digest('hex'));
    expect(done.bytesTransferred).toBe((cut.bytesTransferred as number) + size);
    expect((await stats()).violations).toEqual([]);
  });

  it('init429: the init answers 429 rate_limit_exceeded without blaming the client', async () => {
    await rates({ init429: 1 });
    const res = await api(sandbox, token, initPath, directInit('SELF_ONLY', fileSource(1000)));
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('rate_limit_exceeded');
    expect((await stats()).violations).toEqual([]);
    expect((await control(sandbox, 'GET', '/publishes')).body).toEqual([]);
    await rates({ init429: 0 });
    await openUpload(1000);
  });

  it('tokenExpiry: the access token expires for good, as a real expiry does', async () => {
    const { publish_id } = await openUpload(1000);
    await rates({ tokenExpiry: 1 });
    const res = await api(sandbox, token, statusPath, { publish_id });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('access_token_invalid');
    await rates({ tokenExpiry: 0 });
    expect((await api(sandbox, token, statusPath, { publish_id })).status).toBe(401);
    const fresh = (await connect(sandbox)).access_token;
    expect(
      (await api(sandbox, fresh, '/v2/user/info/?fields=open_id', undefined, 'GET')).status,
    ).toBe(200);
  });
});

describe('uploads open at TikTok', () => {
  it('two uploads that both receive bytes are counted as sending at once', async () => {
    await control(sandbox, 'POST', '/reset');
    token = (await connect(sandbox)).access_token;
    const first = await openUpload(10 * 1024 * 1024, 5 * 1024 * 1024, 2);
    const second = await openUpload(10 * 1024 * 1024, 5 * 1024 * 1024, 2);
    const chunk = randomBytes(5 * 1024 * 1024);
    expect((await putChunk(first.upload_url, chunk, 0, 10 * 1024 * 1024)).status).toBe(206);
    expect((await putChunk(second.upload_url, chunk, 0, 10 * 1024 * 1024)).status).toBe(206);
    expect(Object.values((await stats()).maxSendingUploadsByCreator)).toEqual([2]);
  });

  it('an upload is open from its init: two inits without a chunk are two uploads at once', async () => {
    const video = randomBytes(2000);
    const a = await openUpload(2000);
    await openUpload(2000);
    expect(Object.values((await stats()).maxConcurrentUploadsByCreator)).toEqual([2]);
    // Neither had received a byte: none was sending beside another.
    await putChunk(a.upload_url, video, 0, 2000);
    expect(Object.values((await stats()).maxSendingUploadsByCreator)).toEqual([1]);
    await control(sandbox, 'POST', '/reset');
    token = (await connect(sandbox)).access_token;
    // One after the other: never more than one open.
    for (let i = 0; i < 2; i++) {
      const { upload_url } = await openUpload(2000);
      expect((await putChunk(upload_url, video, 0, 2000)).status).toBe(201);
    }
    expect(Object.values((await stats()).maxConcurrentUploadsByCreator)).toEqual([1]);
  });
});
