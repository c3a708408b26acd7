import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTikTokClient } from '../src/client';
import { caught, useSandbox } from './support/sandbox';

const env = useSandbox();

// What a load balancer in front of TikTok sends when it gives up: no JSON, no code.
let gateway: Server;
let gatewayUrl: string;
beforeAll(async () => {
  gateway = createServer((req, res) => {
    if (req.url?.startsWith('/v2/post/publish/status/fetch/')) {
      // Ids as JSON strings, under the correctly spelled key: both are read.
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(
          '{"data":{"status":"PUBLISH_COMPLETE","publicly_available_post_id":["7345678901234567891",7345678901234567892]},"error":{"code":"ok","message":"","log_id":"x"}}',
        );
      return;
    }
    if (req.url?.startsWith('/v2/user/info/')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
      return;
    }
    res
      .writeHead(502, { 'content-type': 'text/html' })
      .end('<html><h1>502 Bad Gateway</h1></html>');
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  gatewayUrl = `http://127.0.0.1:${(gateway.address() as { port: number }).port}`;
});
afterAll(() => {
  gateway.close();
});

function clientAt(apiBaseUrl: string, timeoutMs?: number) {
  return createTikTokClient({
    clientKey: env.sandbox.clientKey,
    clientSecret: env.sandbox.clientSecret,
    apiBaseUrl,
    ...(timeoutMs ? { timeoutMs } : {}),
  });
}

describe('transport failures', () => {
  it('calls a refused connection internal_error, retryable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const client = clientAt(`http://127.0.0.1:${port}`);
    try {
      const err = await caught(() => client.getClientToken());
      expect(err).toMatchObject({ code: 'internal_error', action: 'retry', retryable: true });
      expect(err.tiktokMessage).toContain('ECONNREFUSED');
      expect(err.message).not.toContain(env.sandbox.clientSecret);
    } finally {
      client.close();
    }
  });

  it('calls a slow answer internal_error after the timeout', async () => {
    await env.reset();
    const tokens = await env.connect();
    await env.fault({ latencyMs: 1500 });
    const client = clientAt(env.sandbox.url, 200);
    try {
      const err = await caught(() => client.queryCreatorInfo(tokens.accessToken));
      expect(err).toMatchObject({ code: 'internal_error', retryable: true });
      expect(err.tiktokMessage).toMatch(/in time/);
    } finally {
      client.close();
    }
  });

  it('calls a 5xx without a code internal_error and a 2xx page unexpected_response', async () => {
    const client = clientAt(gatewayUrl);
    try {
      const bad = await caught(() => client.queryCreatorInfo('act.some-token-value'));
      expect(bad).toMatchObject({ code: 'internal_error', httpStatus: 502, action: 'retry' });
      const oauth = await caught(() => client.refreshToken('rft.some-refresh-token'));
      expect(oauth).toMatchObject({ code: 'internal_error', httpStatus: 502 });
      expect(oauth.message).not.toContain('rft.some-refresh-token');
      const page = await caught(() => client.getUserInfo('act.x', ['open_id']));
      expect(page).toMatchObject({ code: 'unexpected_response', httpStatus: 200 });
    } finally {
      client.close();
    }
  });

  it('reads post ids sent as strings under the correctly spelled key', async () => {
    const client = clientAt(gatewayUrl);
    try {
      const status = await client.fetchPublishStatus('act.x', 'v_pub_file~v2-1.1');
      expect(status.postIds).toEqual(['7345678901234567891', '7345678901234567892']);
    } finally {
      client.close();
    }
  });
});
