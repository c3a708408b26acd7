import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index';
import {
  api,
  connect,
  control,
  directInit,
  fileSource,
  logIdPattern,
  putChunk,
  sandboxFor,
} from './helpers';

const initPath = '/v2/post/publish/video/init/';
const MiB = 2 ** 20;

let sandbox: Sandbox;
let token: string;
beforeAll(async () => {
  sandbox = await sandboxFor({ rateLimits: false });
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  await control(sandbox, 'POST', '/reset');
  token = (await connect(sandbox)).access_token;
});

async function init(sourceInfo: Record<string, unknown>) {
  return api(sandbox, token, initPath, directInit('SELF_ONLY', sourceInfo));
}

async function openUpload(videoSize: number, chunkSize = videoSize, count = 1) {
  const res = await init(fileSource(videoSize, chunkSize, count));
  expect(res.body.error.code).toBe('ok');
  return res.body.data as { publish_id: string; upload_url: string };
}

async function publishOf(publishId: string) {
  const all = (await control(sandbox, 'GET', '/publishes')).body as Array<Record<string, unknown>>;
  return all.find((p) => p.publishId === publishId);
}

describe('the worked example of docs/tiktok-api.md, Chunked upload', () => {
  it('50,000,123 bytes in 10,000,000-byte chunks: 5 chunks, 206 x4 then 201, sha256 matches', async () => {
    const video = randomBytes(50_000_123);
    const { publish_id, upload_url } = await openUpload(50_000_123, 10_000_000, 5);
    expect(upload_url).toMatch(/\/upload\/video\/\?upload_id=\d+&upload_token=/);
    const ranges = [
      [0, 9_999_999],
      [10_000_000, 19_999_999],
      [20_000_000, 29_999_999],
      [30_000_000, 39_999_999],
      [40_000_000, 50_000_122],
    ] as const;
    const statuses: number[] = [];
    for (const [first, last] of ranges) {
      const res = await putChunk(upload_url, video.subarray(first, last + 1), first, 50_000_123);
      statuses.push(res.status);
      expect(res.headers.get('content-range')).toBe(`bytes 0-${last}/50000123`);
    }
    expect(statuses).toEqual([206, 206, 206, 206, 201]);
    const publish = await publishOf(publish_id);
    expect(publish?.bytesReceived).toBe(50_000_123);
    expect(publish?.sha256).toBe(createHash('sha256').update(video).digest('hex'));
  });

  it('a 4,194,304-byte file goes whole: bytes 0-4194303/4194304 answers 201', async () => {
    const video = randomBytes(4_194_304);
    const { publish_id, upload_url } = await openUpload(4_194_304);
    const res = await putChunk(upload_url, video, 0, 4_194_304);
    expect(res.status).toBe(201);
    const publish = await publishOf(publish_id);
    expect(publish?.sha256).toBe(createHash('sha256').update(video).digest('hex'));
  });
});

describe('chunk math at init', () => {
  it.each([
    ['small file sent in parts', fileSource(4_194_304, 2_097_152, 2)],
    ['small file with a wrong count', fileSource(1000, 1000, 2)],
    ['chunks under 5 MB', fileSource(50_000_123, 4 * MiB, 11)],
    ['chunks over 64 MB', fileSource(200 * MiB, 65 * MiB, 3)],
    ['count not the floor (ceil instead)', fileSource(50_000_123, 10_000_000, 6)],
    ['one chunk smaller than the file (15 MB in 10 MB chunks)', fileSource(15 * MiB, 10 * MiB, 1)],
    ['a whole file over 64 MB', fileSource(70 * MiB, 70 * MiB, 1)],
    ['chunk larger than the file', fileSource(6 * MiB, 7 * MiB, 1)],
    ['zero size', fileSource(0, 0, 1)],
    ['over 4 GB', fileSource(4 * 1024 * MiB + 1, 64 * MiB, 64)],
  ])('refuses %s with 400 invalid_params', async (_name, source) => {
    const res = await init(source);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      data: {},
      error: {
        code: 'invalid_params',
        message: expect.any(String),
        log_id: expect.stringMatching(logIdPattern),
      },
    });
  });

  it.each([
    ['1 byte', fileSource(1)],
    ['5 MiB - 1 whole', fileSource(5 * MiB - 1)],
    ['64 MiB whole', fileSource(64 * MiB)],
    ['70 MB in 2 chunks of 35 MB', fileSource(70 * MiB, 35 * MiB, 2)],
    // 4 GiB caps the count at 819 chunks of 5 MiB, under the 1000-chunk rule.
    ['819 chunks of 5 MiB', fileSource(819 * 5 * MiB + 123, 5 * MiB, 819)],
    ['4 GiB in 64 MiB chunks', fileSource(4 * 1024 * MiB, 64 * MiB, 64)],
  ])('accepts %s', async (_name, source) => {
    const res = await init(source);
    expect(res.body.error.code).toBe('ok');
    expect(res.status).toBe(200);
  });

  it('accepts a final chunk that carries the remainder up to 128 MiB', async () => {
    const res = await init(fileSource(128 * MiB - 1, 64 * MiB, 1));
    // floor gives 1 chunk, so chunk_size must equal video_size: this one is refused...
    expect(res.status).toBe(400);
    // ...while 3 chunks of 60 MiB with a 67 MiB last chunk are fine.
    const ok = await init(fileSource(187 * MiB, 60 * MiB, 3));
    expect(ok.status).toBe(200);
  });
});

describe('chunk PUTs', () => {
  const size = 12 * MiB;
  const chunk = 6 * MiB;

  it('answers 416 on a gap, with the Content-Range of what was received', async () => {
    const video = randomBytes(size);
    const { upload_url } = await openUpload(size, chunk, 2);
    const gap = await putChunk(upload_url, video.subarray(chunk), chunk, size);
    expect(gap.status).toBe(416);
    expect(gap.headers.get('content-range')).toBe(`bytes */${size}`);
    expect((await putChunk(upload_url, video.subarray(0, chunk), 0, size)).status).toBe(206);
    const repeat = await putChunk(upload_url, video.subarray(0, chunk), 0, size);
    expect(repeat.status).toBe(416);
    expect(repeat.headers.get('content-range')).toBe(`bytes 0-${chunk - 1}/${size}`);
    expect((await putChunk(upload_url, video.subarray(chunk), chunk, size)).status).toBe(201);
    const stats = (await control(sandbox, 'GET', '/stats')).body;
    expect(
      stats.violations.filter((v: { rule: string }) => v.rule === 'chunk_out_of_order'),
    ).toHaveLength(2);
  });

  it('answers 400 when Content-Length does not match Content-Range', async () => {
    const { upload_url } = await openUpload(size, chunk, 2);
    const res = await putChunk(upload_url, randomBytes(1000), 0, size, {
      'content-range': `bytes 0-${chunk - 1}/${size}`,
    });
    expect(res.status).toBe(400);
  });

  it('answers 400 for a content type other than mp4, quicktime or webm', async () => {
    const { upload_url } = await openUpload(1000);
    const res = await putChunk(upload_url, randomBytes(1000), 0, 1000, {
      'content-type': 'image/png',
    });
    expect(res.status).toBe(400);
    for (const type of ['video/quicktime', 'video/webm']) {
      const { upload_url: url } = await openUpload(1000);
      expect(
        (await putChunk(url, randomBytes(1000), 0, 1000, { 'content-type': type })).status,
      ).toBe(201);
    }
  });

  it('answers 404 for an unknown upload and 403 once the URL has expired', async () => {
    const { upload_url } = await openUpload(1000);
    const forged = upload_url.replace(/upload_token=[^&]+/, 'upload_token=forged');
    expect((await putChunk(forged, randomBytes(1000), 0, 1000)).status).toBe(404);
    await control(sandbox, 'PATCH', '/config', { uploadUrlTtlSec: 0 });
    const { upload_url: expired } = await openUpload(1000);
    await control(sandbox, 'PATCH', '/config', { uploadUrlTtlSec: 3600 });
    expect((await putChunk(expired, randomBytes(1000), 0, 1000)).status).toBe(403);
  });

  it('an upload URL lives one hour of the sandbox clock, which the control API advances', async () => {
    const video = randomBytes(size);
    const { upload_url } = await openUpload(size, chunk, 2);
    expect((await putChunk(upload_url, video.subarray(0, chunk), 0, size)).status).toBe(206);
    const before = (await control(sandbox, 'GET', '/clock')).body;
    const moved = await control(sandbox, 'POST', '/clock', { advanceMs: 3_599_000 });
    expect(moved.body.offsetMs).toBe(before.offsetMs + 3_599_000);
    expect(Date.parse(moved.body.now)).toBeGreaterThanOrEqual(Date.parse(before.now) + 3_599_000);
    await control(sandbox, 'POST', '/clock', { advanceMs: 2_000 });
    const late = await putChunk(upload_url, video.subarray(chunk), chunk, size);
    expect(late.status).toBe(403);
    expect(late.raw).toContain('expired');
    for (const advanceMs of [-1, 1.5, '60', undefined]) {
      expect((await control(sandbox, 'POST', '/clock', { advanceMs })).status).toBe(400);
    }
    await control(sandbox, 'POST', '/reset');
    expect((await control(sandbox, 'GET', '/clock')).body.offsetMs).toBe(0);
  });

  it('injected 5xx and resets fail one chunk each; the retried chunk keeps the hash right', async () => {
    const video = randomBytes(size);
    const { publish_id, upload_url } = await openUpload(size, chunk, 2);
    await control(sandbox, 'POST', '/faults', { chunk: { status: 503, count: 1 } });
    await control(sandbox, 'POST', '/faults', { chunk: { reset: true, count: 1 } });
    expect((await putChunk(upload_url, video.subarray(0, chunk), 0, size)).status).toBe(503);
    await expect(putChunk(upload_url, video.subarray(0, chunk), 0, size)).rejects.toThrow();
    expect((await putChunk(upload_url, video.subarray(0, chunk), 0, size)).status).toBe(206);
    expect((await putChunk(upload_url, video.subarray(chunk), chunk, size)).status).toBe(201);
    const publish = await publishOf(publish_id);
    expect(publish?.sha256).toBe(createHash('sha256').update(video).digest('hex'));
    expect((await control(sandbox, 'GET', '/stats')).body.violations).toEqual([]);
  });

  it('a latency fault delays the next request only', async () => {
    const { upload_url } = await openUpload(1000);
    await control(sandbox, 'POST', '/faults', { latencyMs: 300 });
    expect((await putChunk(upload_url, randomBytes(1000), 0, 1000)).status).toBe(201);
    expect((await control(sandbox, 'POST', '/faults', {})).body.pending.latencyMs).toEqual([]);
    await openUpload(1000);
    // How long the delay really takes is measured in packages/tiktok/bench/latency.ts.
    expect((await control(sandbox, 'GET', '/stats')).body.delayedMs).toEqual({
      '/upload/video/': 300,
    });
  });

  it('latencyMs delays every TikTok request while set, and never the control API', async () => {
    await control(sandbox, 'PATCH', '/config', { latencyMs: 200 });
    try {
      const { upload_url } = await openUpload(1000);
      expect((await putChunk(upload_url, randomBytes(1000), 0, 1000)).status).toBe(201);
      expect((await control(sandbox, 'GET', '/config')).body.latencyMs).toBe(200);
    } finally {
      await control(sandbox, 'PATCH', '/config', { latencyMs: 0 });
    }
    await openUpload(1000);
    // The init and the chunk waited 200 ms each; the control API and the init after the
    // reset waited nothing (the figures of the real delays are in the latency benchmark).
    expect((await control(sandbox, 'GET', '/stats')).body.delayedMs).toEqual({
      [initPath]: 200,
      '/upload/video/': 200,
    });
  });

  it('init refuses a body that is not JSON', async () => {
    const res = await fetch(`${sandbox.url}${initPath}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      body: 'video please',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_params');
  });

  it('stores the bytes only when storeVideos is on', async () => {
    const video = randomBytes(3000);
    const { publish_id, upload_url } = await openUpload(3000);
    await putChunk(upload_url, video, 0, 3000);
    expect(
      (await control(sandbox, 'GET', `/videos/${encodeURIComponent(publish_id)}`)).status,
    ).toBe(404);

    await control(sandbox, 'PATCH', '/config', { storeVideos: true });
    const stored = await openUpload(3000);
    await putChunk(stored.upload_url, video, 0, 3000);
    const res = await fetch(
      `${sandbox.url}/_sandbox/videos/${encodeURIComponent(stored.publish_id)}`,
    );
    expect(Buffer.from(await res.arrayBuffer()).equals(video)).toBe(true);
    await control(sandbox, 'PATCH', '/config', { storeVideos: false });
  });

  it('records the most uploads one creator had in flight at once', async () => {
    const video = randomBytes(size);
    const a = await openUpload(size, chunk, 2);
    const b = await openUpload(size, chunk, 2);
    await putChunk(a.upload_url, video.subarray(0, chunk), 0, size);
    await putChunk(b.upload_url, video.subarray(0, chunk), 0, size);
    await putChunk(a.upload_url, video.subarray(chunk), chunk, size);
    await putChunk(b.upload_url, video.subarray(chunk), chunk, size);
    const c = await openUpload(size, chunk, 2);
    await putChunk(c.upload_url, video.subarray(0, chunk), 0, size);
    const stats = (await control(sandbox, 'GET', '/stats')).body;
    expect(Object.values(stats.maxConcurrentUploadsByCreator)).toEqual([2]);
  });
});
