import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitUntil } from '@tiktok-fleet/testing/wait-until';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index';
import { api, connect, control, sandboxFor } from './helpers';

const contentInit = '/v2/post/publish/content/init/';
const statusPath = '/v2/post/publish/status/fetch/';

let sandbox: Sandbox;
let dir: string;
let server: Server;
let prefix: string;

/** A local server standing in for the app's verified domain. */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tf-sandbox-photos-'));
  const make = (name: string, size: string) =>
    promisify(execFile)('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${size}:rate=1`,
      '-frames:v',
      '1',
      join(dir, name),
    ]);
  await Promise.all([
    make('a.jpg', '640x480'),
    make('b.webp', '480x640'),
    make('c.png', '640x480'),
    make('wide.jpg', '1200x800'),
  ]);
  server = createServer((req, res) => {
    const name = (req.url ?? '').split('/').at(-1) ?? '';
    createReadStream(join(dir, name))
      .on('error', () => res.writeHead(404).end())
      .pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  prefix = `http://127.0.0.1:${(server.address() as AddressInfo).port}/verified/`;
  sandbox = await sandboxFor();
});
afterAll(async () => {
  await sandbox.close();
  server.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await control(sandbox, 'POST', '/reset');
  await control(sandbox, 'PATCH', '/config', { verifiedUrlPrefixes: [prefix] });
});

function photoInit(images: string[], extra: Record<string, unknown> = {}) {
  return {
    post_info: {
      title: 'Carousel',
      description: 'Two photos #sandbox',
      privacy_level: 'SELF_ONLY',
    },
    source_info: { source: 'PULL_FROM_URL', photo_cover_index: 0, photo_images: images },
    post_mode: 'DIRECT_POST',
    media_type: 'PHOTO',
    ...extra,
  };
}

async function finalStatus(token: string, publishId: string) {
  return waitUntil(
    async () => {
      const res = await api(sandbox, token, statusPath, { publish_id: publishId });
      const status = res.body.data.status;
      return status === 'PUBLISH_COMPLETE' || status === 'FAILED' || status === 'SEND_TO_USER_INBOX'
        ? res.body.data
        : undefined;
    },
    { what: 'the photo publish to end', timeoutMs: 5_000, intervalMs: 20 },
  );
}

describe('photo posts (content/init)', () => {
  it('pulls every image from the verified prefix and publishes, with a p_pub_url~ id', async () => {
    const { access_token: token } = await connect(sandbox);
    const res = await api(
      sandbox,
      token,
      contentInit,
      photoInit([`${prefix}a.jpg`, `${prefix}b.webp`]),
    );
    expect(res.status).toBe(200);
    const publishId = res.body.data.publish_id;
    expect(publishId).toMatch(/^p_pub_url~v2\.\d{19}$/);
    const status = await finalStatus(token, publishId);
    expect(status.status).toBe('PUBLISH_COMPLETE');
    expect(status.downloaded_bytes).toBeGreaterThan(0);
    const [publish] = (await control(sandbox, 'GET', '/publishes')).body;
    expect(publish.photo.images.map((i: { format: string }) => i.format)).toEqual(['jpeg', 'webp']);
    expect(publish.photo.images[1]).toMatchObject({ width: 480, height: 640 });
  });

  it('refuses a URL outside the verified prefixes with url_ownership_unverified', async () => {
    const { access_token: token } = await connect(sandbox);
    const res = await api(
      sandbox,
      token,
      contentInit,
      photoInit(['https://elsewhere.example/a.jpg']),
    );
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('url_ownership_unverified');
  });

  it("fails a PNG and an image over 1080 px with TikTok's fail reasons", async () => {
    const { access_token: token } = await connect(sandbox);
    const png = await api(
      sandbox,
      token,
      contentInit,
      photoInit([`${prefix}a.jpg`, `${prefix}c.png`]),
    );
    const wide = await api(sandbox, token, contentInit, photoInit([`${prefix}wide.jpg`]));
    expect((await finalStatus(token, png.body.data.publish_id)).fail_reason).toBe(
      'file_format_check_failed',
    );
    expect((await finalStatus(token, wide.body.data.publish_id)).fail_reason).toBe(
      'picture_size_check_failed',
    );
  });

  it('sends a MEDIA_UPLOAD to the inbox with a p_inbox_url~ id', async () => {
    const { access_token: token } = await connect(sandbox);
    const res = await api(
      sandbox,
      token,
      contentInit,
      photoInit([`${prefix}a.jpg`], { post_mode: 'MEDIA_UPLOAD', post_info: {} }),
    );
    expect(res.body.data.publish_id).toMatch(/^p_inbox_url~v2\.\d{19}$/);
    expect((await finalStatus(token, res.body.data.publish_id)).status).toBe('SEND_TO_USER_INBOX');
  });

  it('refuses what the docs do not allow: FILE_UPLOAD, 36 images, a 91-character title, a bad cover', async () => {
    const { access_token: token } = await connect(sandbox);
    const url = `${prefix}a.jpg`;
    const bodies = [
      photoInit([url], {
        source_info: { source: 'FILE_UPLOAD', photo_cover_index: 0, photo_images: [url] },
      }),
      photoInit(Array.from({ length: 36 }, () => url)),
      photoInit([url], { post_info: { title: 'a'.repeat(91), privacy_level: 'SELF_ONLY' } }),
      photoInit([url], {
        source_info: { source: 'PULL_FROM_URL', photo_cover_index: 1, photo_images: [url] },
      }),
    ];
    for (const body of bodies) {
      const res = await api(sandbox, token, contentInit, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_param');
    }
  });
});
