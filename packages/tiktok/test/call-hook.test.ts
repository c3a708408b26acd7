import { createServer } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TikTokCall } from '../src/call-hook';
import { createTikTokClient } from '../src/client';
import { useTempDir, writeRandomFile } from './support/files';
import { caught, useSandbox } from './support/sandbox';

// Every call the client makes lands here, through the client's own option.
const calls: TikTokCall[] = [];
const env = useSandbox({ onCall: (call) => calls.push(call) });
let dir: string;

beforeAll(async () => {
  dir = await useTempDir();
});

/** The calls made while `work` ran. */
async function during(work: () => Promise<unknown>): Promise<TikTokCall[]> {
  const from = calls.length;
  await work().catch(() => undefined);
  return calls.slice(from);
}

describe('onCall: every request to TikTok is reported once it ends', () => {
  it('reports a successful call with its endpoint, ok, the HTTP status and a duration', async () => {
    await env.reset();
    const seen = await during(() => env.client.getClientToken());
    expect(seen).toEqual([
      { endpoint: '/v2/oauth/token/', code: 'ok', httpStatus: 200, durationMs: expect.any(Number) },
    ]);
    expect(seen[0]?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("reports a refused call with TikTok's error code and status", async () => {
    await env.reset();
    const tokens = await env.connect();
    await env.fault({ rateLimit: { endpoint: '/v2/post/publish/status/fetch/', count: 1 } });
    const seen = await during(() => env.client.fetchPublishStatus(tokens.accessToken, 'v_pub_x'));
    expect(seen).toEqual([
      {
        endpoint: '/v2/post/publish/status/fetch/',
        code: 'rate_limit_exceeded',
        httpStatus: 429,
        durationMs: expect.any(Number),
      },
    ]);
  });

  it('reports every chunk PUT of an upload, without the upload URL', async () => {
    await env.reset();
    const tokens = await env.connect();
    const file = await writeRandomFile(dir, 'clip.bin', 4096);
    const seen = await during(async () => {
      const init = await env.client.initDirectPost(tokens.accessToken, {
        postInfo: { privacyLevel: 'SELF_ONLY' },
        source: { source: 'FILE_UPLOAD', videoSize: file.size },
      });
      if (!init.uploadUrl || !init.plan) throw new Error('no upload URL');
      await env.client.uploadVideo({
        uploadUrl: init.uploadUrl,
        filePath: file.path,
        plan: init.plan,
      });
    });
    expect(seen.map((c) => [c.endpoint, c.code])).toEqual([
      ['/v2/post/publish/video/init/', 'ok'],
      ['PUT upload_url', 'ok'],
    ]);
    expect(seen[1]?.httpStatus).toBe(201);
  });

  it('reports a chunk that failed on the way and the one sent again', async () => {
    await env.reset();
    const tokens = await env.connect();
    const file = await writeRandomFile(dir, 'retry.bin', 4096);
    const init = await env.client.initDirectPost(tokens.accessToken, {
      postInfo: { privacyLevel: 'SELF_ONLY' },
      source: { source: 'FILE_UPLOAD', videoSize: file.size },
    });
    await env.fault({ chunk: { status: 503, count: 1 } });
    const seen = await during(() =>
      env.client.uploadVideo({
        uploadUrl: init.uploadUrl as string,
        filePath: file.path,
        plan: init.plan as NonNullable<typeof init.plan>,
        retry: { baseDelayMs: 10 },
      }),
    );
    expect(seen.map((c) => [c.endpoint, c.code, c.httpStatus])).toEqual([
      ['PUT upload_url', 'http_503', 503],
      ['PUT upload_url', 'ok', 201],
    ]);
  });

  it('reports a call that got no answer as internal_error without a status', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const mine: TikTokCall[] = [];
    const client = createTikTokClient({
      clientKey: env.sandbox.clientKey,
      clientSecret: env.sandbox.clientSecret,
      apiBaseUrl: `http://127.0.0.1:${port}`,
      onCall: (call) => mine.push(call),
    });
    try {
      await caught(() => client.getClientToken());
    } finally {
      client.close();
    }
    expect(mine).toEqual([
      {
        endpoint: '/v2/oauth/token/',
        code: 'internal_error',
        httpStatus: undefined,
        durationMs: expect.any(Number),
      },
    ]);
  });

  it('a hook that throws changes nothing about the call', async () => {
    const client = createTikTokClient({
      clientKey: env.sandbox.clientKey,
      clientSecret: env.sandbox.clientSecret,
      apiBaseUrl: env.sandbox.url,
      onCall: () => {
        throw new Error('metrics are broken');
      },
    });
    try {
      const token = await client.getClientToken();
      expect(token.accessToken).toEqual(expect.any(String));
    } finally {
      client.close();
    }
  });
});
