import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { connectedAccountId } from './support/connect';
import { type Reply, startApi } from './support/harness';

const CAP = 1024 * 1024;
const api = await startApi({ env: { MEDIA_MAX_UPLOAD_BYTES: String(CAP) } });
const uploads = path.join(api.mediaRoot, 'uploads');
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const filesInUploads = async () => readdir(uploads).catch(() => [] as string[]);

/** Streams `total` bytes in chunks with no Content-Length (chunked), like a pipe would. */
function chunkedStream(total: number, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close();
      const size = Math.min(chunk, total - sent);
      sent += size;
      controller.enqueue(randomBytes(size));
    },
  });
}

/** A raw upload through node:http, which reads an early answer while still sending. */
function rawUpload(body: Buffer, headers: Record<string, string>) {
  return new Promise<Pick<Reply, 'status' | 'body'>>((resolve, reject) => {
    const req = httpRequest(`${api.baseUrl}/v1/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.keys.a}`, ...headers },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('POST /v1/media', () => {
  test('a raw video body is streamed into MEDIA_ROOT/uploads and its path can be posted', async () => {
    const video = randomBytes(300 * 1024);
    const reply = await api.call('POST', '/v1/media', {
      body: video,
      headers: { 'content-type': 'video/mp4' },
    });
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({
      path: expect.stringMatching(/^uploads\/[0-9a-f]{32}\.mp4$/),
      size: video.length,
    });
    const stored = await readFile(path.join(api.mediaRoot, reply.body.path));
    expect(sha(stored)).toBe(sha(video));

    const accountId = await connectedAccountId(api);
    const post = await api.call('POST', '/v1/posts', {
      json: { accountId, video: { path: reply.body.path }, privacyLevel: 'SELF_ONLY' },
    });
    expect(post.status).toBe(202);
    expect(post.body.video).toEqual({ path: reply.body.path });
  });

  test('a chunked stream without Content-Length is stored too', async () => {
    const reply = await api.call('POST', '/v1/media', {
      body: chunkedStream(200 * 1024),
      headers: { 'content-type': 'application/octet-stream', 'x-filename': 'clip%20one.MOV' },
    });
    expect(reply.status).toBe(201);
    expect(reply.body.path).toMatch(/\.mov$/);
    expect(reply.body.size).toBe(200 * 1024);
  });

  test('multipart/form-data with one file is stored', async () => {
    const video = randomBytes(100 * 1024);
    const form = new FormData();
    form.append('file', new Blob([video], { type: 'video/webm' }), 'clip.webm');
    const reply = await api.call('POST', '/v1/media', { body: form });
    expect(reply.status).toBe(201);
    expect(reply.body.path).toMatch(/\.webm$/);
    expect(sha(await readFile(path.join(api.mediaRoot, reply.body.path)))).toBe(sha(video));
  });

  test('over the cap with a Content-Length: 413 at once, nothing written', async () => {
    const before = await filesInUploads();
    const reply = await rawUpload(randomBytes(CAP + 1), { 'content-type': 'video/mp4' });
    expect(reply.status).toBe(413);
    expect(reply.body.error).toMatchObject({
      code: 'media_too_large',
      details: { maxBytes: CAP },
    });
    expect(await filesInUploads()).toEqual(before);
  });

  test('over the cap while streaming: 413 and the partial file is deleted', async () => {
    const before = await filesInUploads();
    const reply = await rawUpload(randomBytes(CAP + 256 * 1024), {
      'content-type': 'video/mp4',
      'transfer-encoding': 'chunked',
    });
    expect(reply.status).toBe(413);
    expect(reply.body.error.code).toBe('media_too_large');
    expect(await filesInUploads()).toEqual(before);
  });

  test('a multipart file over the cap: 413 and no file left', async () => {
    const before = await filesInUploads();
    const form = new FormData();
    form.append('file', new Blob([randomBytes(CAP + 10)], { type: 'video/mp4' }), 'big.mp4');
    const reply = await api.call('POST', '/v1/media', { body: form });
    expect(reply.status).toBe(413);
    expect(reply.body.error.code).toBe('media_too_large');
    expect(await filesInUploads()).toEqual(before);
  });

  test('refuses other content types, empty bodies and missing keys', async () => {
    const text = await api.call('POST', '/v1/media', {
      body: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe('unsupported_media_type');
    const empty = await api.call('POST', '/v1/media', {
      body: Buffer.alloc(0),
      headers: { 'content-type': 'video/mp4' },
    });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('media_empty');
    const anonymous = await api.call('POST', '/v1/media', {
      key: null,
      body: randomBytes(10),
      headers: { 'content-type': 'video/mp4' },
    });
    expect(anonymous.status).toBe(401);
    expect((await filesInUploads()).filter((f) => f.endsWith('.part'))).toEqual([]);
  });
});
