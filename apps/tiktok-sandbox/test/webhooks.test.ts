import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitUntil } from '@tiktok-fleet/testing/wait-until';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Sandbox } from '../src/index';
import { api, connect, control, directInit, fileSource, putChunk, sandboxFor } from './helpers';

interface Delivery {
  signature: string;
  raw: string;
}

let sandbox: Sandbox;
let receiver: Server;
const deliveries: Delivery[] = [];
let failNext = 0;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      deliveries.push({ signature: String(req.headers['tiktok-signature'] ?? ''), raw });
      if (failNext > 0) {
        failNext -= 1;
        res.writeHead(500).end();
      } else {
        res.writeHead(200).end();
      }
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;
  sandbox = await sandboxFor({ webhookUrl: `http://127.0.0.1:${port}/webhook` });
});
afterAll(async () => {
  await sandbox.close();
  await new Promise((resolve) => receiver.close(resolve));
});

/** Verification as TikTok documents it (docs/tiktok-api.md, Webhooks). */
function verify(secret: string, header: string, raw: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const expected = createHmac('sha256', secret).update(`${parts.t}.${raw}`).digest();
  const given = Buffer.from(parts.s ?? '', 'hex');
  const fresh = Math.abs(Date.now() / 1000 - Number(parts.t)) < 300;
  return fresh && given.length === expected.length && timingSafeEqual(given, expected);
}

it('signs publish events, retries non-200 answers, and writes post ids as raw int64', async () => {
  const { access_token: token, open_id: openId } = await connect(sandbox);
  failNext = 1; // the first delivery attempt is answered 500
  const init = await api(
    sandbox,
    token,
    '/v2/post/publish/video/init/',
    directInit('PUBLIC_TO_EVERYONE', fileSource(1000)),
  );
  await putChunk(init.body.data.upload_url, randomBytes(1000), 0, 1000);
  const publishId = init.body.data.publish_id;

  const events = await waitUntil(async () => {
    const parsed = deliveries.map((d) => JSON.parse(d.raw));
    const names = parsed.map((e) => e.event);
    return names.includes('post.publish.publicly_available') &&
      names.filter((n) => n === 'post.publish.complete').length === 2
      ? parsed
      : undefined;
  });
  for (const d of deliveries) {
    expect(verify(sandbox.clientSecret, d.signature, d.raw)).toBe(true);
    expect(verify('another-secret', d.signature, d.raw)).toBe(false);
  }
  const complete = events.find((e) => e.event === 'post.publish.complete');
  expect(complete).toEqual({
    client_key: sandbox.clientKey,
    event: 'post.publish.complete',
    create_time: expect.any(Number),
    user_openid: openId,
    content: expect.any(String),
  });
  expect(JSON.parse(complete.content)).toEqual({
    publish_id: publishId,
    publish_type: 'DIRECT_PUBLISH',
  });
  // The retry carries the same body as the refused first attempt.
  const completes = deliveries.filter((d) => JSON.parse(d.raw).event === 'post.publish.complete');
  expect(completes[0]?.raw).toBe(completes[1]?.raw);

  const available = events.find((e) => e.event === 'post.publish.publicly_available');
  expect(available.content).toMatch(/"post_id":\d{19}[,}]/);
  const status = await api(sandbox, token, '/v2/post/publish/status/fetch/', {
    publish_id: publishId,
  });
  const postId = /"publicaly_available_post_id":\[(\d+)\]/.exec(status.raw)?.[1];
  expect(available.content).toContain(`"post_id":${postId}`);
});

it('sends post.publish.failed with the reason', async () => {
  await control(sandbox, 'POST', '/faults', { failReason: 'spam_risk_text' });
  const { access_token: token } = await connect(sandbox);
  const init = await api(
    sandbox,
    token,
    '/v2/post/publish/video/init/',
    directInit('SELF_ONLY', fileSource(1000)),
  );
  await putChunk(init.body.data.upload_url, randomBytes(1000), 0, 1000);
  const failed = await waitUntil(async () =>
    deliveries.map((d) => JSON.parse(d.raw)).find((e) => e.event === 'post.publish.failed'),
  );
  expect(JSON.parse(failed.content)).toEqual({
    publish_id: init.body.data.publish_id,
    reason: 'spam_risk_text',
    publish_type: 'DIRECT_PUBLISH',
  });
});
