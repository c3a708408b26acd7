import { createHmac, randomUUID } from 'node:crypto';
import { watchWebhookOutcome } from '@tiktok-fleet/queue';
import { describe, expect, test } from 'vitest';
import { connectedAccountId } from './support/connect';
import { startApi } from './support/harness';

const api = await startApi();
const secret = api.config.TIKTOK_CLIENT_SECRET;
const now = () => Math.floor(Date.now() / 1000);

/**
 * TikTok's signature (docs/tiktok-api.md, Webhooks), written from the doc, not from the API's code.
 */
const sign = (body: string, t = now(), key = secret) =>
  `t=${t},s=${createHmac('sha256', key).update(`${t}.${body}`).digest('hex')}`;

function envelope(event: string, content: Record<string, unknown> | string, openId = 'open-x') {
  return JSON.stringify({
    client_key: api.config.TIKTOK_CLIENT_KEY,
    event,
    create_time: now(),
    user_openid: openId,
    content: typeof content === 'string' ? content : JSON.stringify(content),
  });
}

const deliver = (body: string, signature: string | null = sign(body)) =>
  api.call('POST', '/api/integrations/tiktok/webhook', {
    key: null,
    body,
    headers: {
      'content-type': 'application/json',
      ...(signature !== null && { 'tiktok-signature': signature }),
    },
  });

describe('POST /api/integrations/tiktok/webhook', () => {
  test.each([
    ['no signature', () => null],
    ['a signature made with another secret', (b: string) => sign(b, now(), 'not-the-secret')],
    ['a signature over other bytes', (b: string) => sign(`${b} `)],
    ['a signature more than 5 minutes old', (b: string) => sign(b, now() - 301)],
    ['a malformed header', () => 't=abc,s=xyz'],
  ])('refuses %s with 401', async (_name, signatureOf) => {
    const body = envelope('post.publish.complete', { publish_id: 'v_pub_1' });
    const reply = await deliver(body, signatureOf(body));
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe('invalid_signature');
  });

  test('the raw bytes are verified: the same JSON re-serialised would not pass', async () => {
    const body = `{ "client_key": "${api.config.TIKTOK_CLIENT_KEY}",  "event": "noop" }`;
    expect((await deliver(body)).status).toBe(200);
    expect((await deliver(body, sign(JSON.stringify(JSON.parse(body))))).status).toBe(401);
  });

  test('authorization.removed revokes the account; a duplicate is ignored', async () => {
    const accountId = await connectedAccountId(api);
    const { openId } = await api.rows.account(accountId);
    const post = await api.call('POST', '/v1/posts', {
      json: { accountId, video: { path: 'a.mp4' }, privacyLevel: 'SELF_ONLY' },
    });
    const body = envelope('authorization.removed', '{"reason": 1 }', openId);
    const first = await deliver(body);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ received: true });
    const account = await api.rows.account(accountId);
    expect(account).toMatchObject({
      status: 'revoked',
      statusReason: 'the user disconnected the app in TikTok',
      accessTokenCiphertext: '',
    });
    expect((await api.call('GET', `/v1/posts/${post.body.id}`)).body.status).toBe('failed');

    // TikTok retries with a new signature timestamp but the same body.
    const again = await deliver(body, sign(body, now() - 5));
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ received: true, duplicate: true });
  });

  test('a publish event ends the delayed status poll of its post at once', async () => {
    const accountId = await connectedAccountId(api);
    const created = await api.call('POST', '/v1/posts', {
      json: { accountId, video: { path: 'a.mp4' }, privacyLevel: 'SELF_ONLY' },
    });
    const postId = created.body.id;
    const publishId = `v_pub_file~v2-1.${randomUUID()}`;
    await api.posts.transition(postId, 'processing', { changes: { publishId } });
    const job = await api.queues.status.add(
      'status',
      { postId, publishId, pollCount: 0, startedAt: Date.now() },
      { jobId: `status-${postId}`, delay: 60_000 },
    );
    expect(await job.getState()).toBe('delayed');
    // As the worker's hand-over does: the job watches its publish's webhook record.
    expect(
      await watchWebhookOutcome(api.redis, api.config.REDIS_PREFIX, publishId, job.id as string),
    ).toBe(0);

    const body = envelope(
      'post.publish.publicly_available',
      `{"publish_id":"${publishId}","post_id":7234567890123456789,"publish_type":"DIRECT_PUBLISH"}`,
    );
    const reply = await deliver(body);
    expect(reply.status).toBe(200);
    expect(await job.getState()).toBe('waiting');
  });

  test('events for unknown publishes and accounts are accepted and ignored', async () => {
    for (const body of [
      envelope('post.publish.failed', { publish_id: 'v_pub_unknown', reason: 'internal' }),
      envelope('authorization.removed', { reason: 2 }, 'nobody'),
      envelope('portability.download.ready', {}),
    ]) {
      expect((await deliver(body)).status).toBe(200);
    }
  });
});
