import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { SlidingWindowRateLimiter } from '@tiktok-fleet/queue';
import { waitUntil } from '@tiktok-fleet/testing';
import { describe, expect, test } from 'vitest';
import { connectedAccountId, connectThroughOAuth } from './support/connect';
import { startApi } from './support/harness';
import { head, rawRequest } from './support/raw-http';

// Issue 11, "The API": each refusal over real HTTP against a running API. The limits are
// set small so that a slow body is caught in a fraction of a second.
let clockOffsetMs = 0;
const api = await startApi({
  env: {
    HTTP_HEADERS_TIMEOUT_MS: '300',
    HTTP_BODY_IDLE_TIMEOUT_MS: '300',
    HTTP_BODY_RATE_WINDOW_MS: '600',
    HTTP_BODY_MIN_BYTES_PER_SEC: '2000',
    MEDIA_MAX_OPEN_UPLOADS_PER_KEY: '2',
    MEDIA_QUOTA_BYTES_PER_OWNER: '3000',
    MEDIA_UPLOAD_TTL_SECONDS: '60',
    POST_BACKLOG_MAX_PER_ACCOUNT: '2',
    POST_BACKLOG_MAX_PER_OWNER: '3',
    SCHEDULE_MAX_DAYS_AHEAD: '30',
    OPERATOR_USERNAME: 'operator',
    OPERATOR_PASSWORD: 'correct horse battery',
  },
  deps: { now: () => Date.now() + clockOffsetMs },
});
const uploads = path.join(api.mediaRoot, 'uploads');
const filesInUploads = async () => readdir(uploads).catch(() => [] as string[]);
const partFiles = async () => (await filesInUploads()).filter((name) => name.endsWith('.part'));
const auth = { authorization: `Bearer ${api.keys.a}` };
const hostHeader = { host: new URL(api.baseUrl).host };
const logLines = () =>
  api.logs
    .lines()
    .map((line) => JSON.parse(line))
    .filter((line) => line.msg === 'request completed' || line.msg === 'request errored');

const post = (accountId: string, extra: Record<string, unknown> = {}, key = api.keys.a) =>
  api.call('POST', '/v1/posts', {
    key,
    json: {
      accountId,
      video: { url: 'https://media.example/v.mp4' },
      privacyLevel: 'SELF_ONLY',
      ...extra,
    },
  });

describe('slow bodies', () => {
  test('an upload that trickles is answered 408 and its partial file removed', async () => {
    const { reply } = rawRequest(
      api.baseUrl,
      head('POST /v1/media', {
        ...hostHeader,
        ...auth,
        'content-type': 'video/mp4',
        'content-length': '2000',
      }),
      { body: 'x'.repeat(10), drip: { everyMs: 100 } },
    );
    await waitUntil(async () => (await partFiles()).length === 1, { what: 'the .part file' });
    const answer = await reply;
    expect(answer.status).toBe(408);
    expect(answer.body.error.code).toBe('request_body_too_slow');
    await waitUntil(async () => (await partFiles()).length === 0, { what: '.part removed' });
  });

  test('an upload that stops sending is answered 408 (idle timeout)', async () => {
    const { reply } = rawRequest(
      api.baseUrl,
      head('POST /v1/media', {
        ...hostHeader,
        ...auth,
        'content-type': 'video/mp4',
        'content-length': '2000',
      }),
      { body: 'x'.repeat(10) },
    );
    const answer = await reply;
    expect(answer.status).toBe(408);
    expect(answer.body.error.message).toContain('HTTP_BODY_IDLE_TIMEOUT_MS');
    await waitUntil(async () => (await partFiles()).length === 0, { what: '.part removed' });
  });

  test('an unauthenticated webhook body that trickles is answered 408', async () => {
    const { reply } = rawRequest(
      api.baseUrl,
      head('POST /api/integrations/tiktok/webhook', {
        ...hostHeader,
        'content-type': 'application/json',
        'content-length': '5000',
      }),
      { body: '{', drip: { everyMs: 100 } },
    );
    const answer = await reply;
    expect(answer.status).toBe(408);
    expect(answer.body.error.code).toBe('request_body_too_slow');
  });

  test('headers that never end are answered 408 in the fleet shape', async () => {
    const { reply } = rawRequest(api.baseUrl, 'POST /v1/media HTTP/1.1\r\nhost: x\r\n');
    const answer = await reply;
    expect(answer.status).toBe(408);
    expect(answer.body.error.code).toBe('request_headers_too_slow');
  });

  test('one key may hold only MEDIA_MAX_OPEN_UPLOADS_PER_KEY uploads open', async () => {
    const open = [0, 1].map(() =>
      rawRequest(
        api.baseUrl,
        head('POST /v1/media', {
          ...hostHeader,
          ...auth,
          'content-type': 'video/mp4',
          'content-length': '2000',
        }),
        { body: 'x', drip: { everyMs: 100 } },
      ),
    );
    await waitUntil(async () => (await partFiles()).length === 2, { what: 'two open uploads' });
    const third = await api.call('POST', '/v1/media', {
      body: randomBytes(100),
      headers: { 'content-type': 'video/mp4' },
    });
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('too_many_open_uploads');
    const answers = await Promise.all(open.map((o) => o.reply));
    expect(answers.map((a) => a.status)).toEqual([408, 408]);
    await waitUntil(async () => (await partFiles()).length === 0, { what: '.part removed' });
  });
});

describe('nothing is left behind by a failed upload', () => {
  test('a multipart body with a bad boundary is 400 invalid_multipart, not 500', async () => {
    const reply = await api.call('POST', '/v1/media', {
      body: '--nope\r\ncontent-disposition: form-data; name="file"; filename="a.mp4"\r\n\r\nabc',
      headers: { 'content-type': 'multipart/form-data; boundary=other' },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('invalid_multipart');
    expect(await filesInUploads()).toEqual([]);
  });
});

describe('one check for every string', () => {
  test('a NUL in a body field, a path id or a query id is 400 nul_character naming it', async () => {
    const accountId = await connectedAccountId(api);
    const caption = await post(accountId, { caption: 'a\u0000b' });
    expect(caption.status).toBe(400);
    expect(caption.body.error).toMatchObject({
      code: 'nul_character',
      details: [{ field: 'caption' }],
    });
    const url = await post(accountId, { video: { url: 'https://a.example/\u0000.mp4' } });
    expect(url.body.error.details[0].field).toBe('video.url');
    const id = await api.call('GET', '/v1/posts/post_%00');
    expect(id.status).toBe(400);
    expect(id.body.error.details[0].field).toBe('path.id');
    const query = await api.call('GET', '/v1/posts?accountId=%00');
    expect(query.status).toBe(400);
    expect(query.body.error.details[0].field).toBe('query.accountId');
  });

  test('a lone surrogate in the caption is 400 invalid_unicode', async () => {
    const accountId = await connectedAccountId(api);
    const reply = await api.call('POST', '/v1/posts', {
      body: `{"accountId":"${accountId}","video":{"url":"https://a.example/v.mp4"},"privacyLevel":"SELF_ONLY","caption":"cut \\ud83d"}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({
      code: 'invalid_unicode',
      details: [{ field: 'caption' }],
    });
  });
});

describe('every answer in the fleet error shape', () => {
  test('a URL Fastify cannot decode is 400 bad_url', async () => {
    const reply = await api.call('GET', '/v1/posts/%E0%A4%A');
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('bad_url');
  });

  test('oversized headers are 431 headers_too_large', async () => {
    const { reply } = rawRequest(
      api.baseUrl,
      head('GET /healthz', { ...hostHeader, 'x-big': 'a'.repeat(20_000) }),
    );
    const answer = await reply;
    expect(answer.status).toBe(431);
    expect(answer.body.error.code).toBe('headers_too_large');
  });

  test("a malformed request line is 400 malformed_request, not Fastify's own body", async () => {
    const { reply } = rawRequest(api.baseUrl, 'NOT HTTP AT ALL\r\n\r\n');
    const answer = await reply;
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('malformed_request');
  });

  test("Bull Board's error bodies carry a code and a message", async () => {
    const queue = encodeURIComponent(Object.values(api.queues)[0]?.name ?? '');
    // Bull Board's own answer: {"error":{"key":"ERRORS.JOB_NOT_FOUND"}} before.
    const reply = await api.call('GET', `/admin/queues/api/queues/${queue}/no-such-job`, {
      key: null,
      headers: {
        authorization: `Basic ${Buffer.from('operator:correct horse battery').toString('base64')}`,
      },
    });
    expect(reply.status).toBe(404);
    expect(reply.body.error).toMatchObject({
      code: expect.stringMatching(/^[a-z_]+$/),
      message: expect.any(String),
    });
    expect(reply.body.error.key).toMatch(/^ERRORS\./);
  });
});

describe('request logs', () => {
  test('one line with method, route, status, duration and request id; no query string', async () => {
    const reply = await api.call('GET', '/v1/posts/post_nope?token=s3cret-in-query');
    const id = reply.headers.get('x-request-id');
    const line = await waitUntil(() => logLines().find((l) => l.requestId === id));
    expect(line).toMatchObject({
      method: 'GET',
      route: '/v1/posts/:id',
      status: 404,
      durationMs: expect.any(Number),
    });
    expect(line.req).toBeUndefined();
    expect(api.logs.lines().join('\n')).not.toContain('s3cret-in-query');
  });
});

describe('uploads belong to their owner', () => {
  test("another owner's upload cannot be posted", async () => {
    const upload = await api.call('POST', '/v1/media', {
      body: randomBytes(1000),
      headers: { 'content-type': 'video/mp4' },
    });
    expect(upload.status).toBe(201);
    const theirs = await connectedAccountId(api, api.keys.b);
    const reply = await post(theirs, { video: { path: upload.body.path } }, api.keys.b);
    expect(reply.status).toBe(404);
    expect(reply.body.error.code).toBe('media_not_found');
  });

  test('a quota per owner, and unused uploads expire after MEDIA_UPLOAD_TTL_SECONDS', async () => {
    const second = await api.call('POST', '/v1/media', {
      body: randomBytes(1500),
      headers: { 'content-type': 'video/mp4' },
    });
    expect(second.status).toBe(201);
    const over = await api.call('POST', '/v1/media', {
      body: randomBytes(1000),
      headers: { 'content-type': 'video/mp4' },
    });
    expect(over.status).toBe(413);
    expect(over.body.error.code).toBe('media_quota_exceeded');

    clockOffsetMs = 61_000;
    try {
      const fresh = await api.call('POST', '/v1/media', {
        body: randomBytes(1000),
        headers: { 'content-type': 'video/mp4' },
      });
      expect(fresh.status).toBe(201);
      expect(await filesInUploads()).toEqual([path.basename(fresh.body.path)]);
      const accountId = await connectedAccountId(api);
      const expired = await post(accountId, { video: { path: second.body.path } });
      expect(expired.body.error.code).toBe('media_not_found');
    } finally {
      clockOffsetMs = 0;
    }
  });
});

describe('enqueue limits', () => {
  test('scheduledAt at most SCHEDULE_MAX_DAYS_AHEAD ahead', async () => {
    const accountId = await connectedAccountId(api);
    const reply = await post(accountId, { scheduledAt: '9999-01-01T00:00:00Z' });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('scheduled_too_far');
  });

  test('callback URLs: no control characters, no literal internal address', async () => {
    const accountId = await connectedAccountId(api);
    const crlf = await post(accountId, { callbackUrl: 'https://hooks.example/a\r\nX-Evil: 1' });
    expect(crlf.status).toBe(400);
    expect(crlf.body.error.details[0].field).toBe('callbackUrl');
    for (const callbackUrl of [
      'https://10.0.0.7/hook',
      'https://[::1]/hook',
      'http://127.0.0.1/h',
    ]) {
      const reply = await post(accountId, { callbackUrl });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('callback_url_not_allowed');
    }
  });

  test('429 backlog_full past the per-account and per-owner depth', async () => {
    const first = (await connectThroughOAuth(api, { openId: 'backlog-1' })).location;
    const one = first.searchParams.get('accountId') ?? '';
    const two =
      (await connectThroughOAuth(api, { openId: 'backlog-2' })).location.searchParams.get(
        'accountId',
      ) ?? '';
    // Other tests of this file posted nothing that stayed open for these accounts.
    expect((await post(one)).status).toBe(202);
    expect((await post(one)).status).toBe(202);
    const account = await post(one);
    expect(account.status).toBe(429);
    expect(account.body.error).toMatchObject({
      code: 'backlog_full',
      details: { scope: 'account' },
    });
    expect(account.headers.get('retry-after')).toBe('60');
    expect((await post(two)).status).toBe(202);
    const owner = await post(two);
    expect(owner.status).toBe(429);
    expect(owner.body.error.details.scope).toBe('owner');
  });
});

describe('connecting', () => {
  test('redirectTo: only configured origins, https, no user:pass@', async () => {
    for (const redirectTo of [
      'https://evil.example/x',
      'http://backend.example/x',
      'https://user:pass@backend.example/x',
    ]) {
      const reply = await api.call('POST', '/v1/accounts/connect', { json: { redirectTo } });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('redirect_not_allowed');
    }
  });

  test('the authorize URL carries disable_auto_auth=1', async () => {
    const reply = await api.call('POST', '/v1/accounts/connect', {
      key: api.keys.b,
      json: { redirectTo: 'https://backend.example/done' },
    });
    expect(new URL(reply.body.authorizeUrl).searchParams.get('disable_auto_auth')).toBe('1');
  });

  test("connecting calls creator_info only within the account's rate limit", async () => {
    const creatorInfoCalls = async () =>
      (await api.sandboxControl('GET', '/_sandbox/stats')).requests[
        '/v2/post/publish/creator_info/query/'
      ] ?? 0;
    const first = await connectThroughOAuth(api, { key: api.keys.b, openId: 'limited-creator' });
    const accountId = first.location.searchParams.get('accountId') ?? '';
    const limiter = new SlidingWindowRateLimiter(api.redis, { prefix: api.prefix });
    // Spend the rest of the minute's creator_info calls, as posts of the account would.
    for (let i = 0; i < 19; i += 1) await limiter.acquireTikTok(accountId, 'creatorInfo');
    const before = await creatorInfoCalls();
    const again = await connectThroughOAuth(api, { key: api.keys.b, openId: 'limited-creator' });
    expect(again.location.searchParams.get('accountId')).toBe(accountId);
    expect(await creatorInfoCalls()).toBe(before);
  });
});

// Last of this API's tests: a handler may still be removing its file when the test has
// seen all five end, and nothing after it looks at uploads/.
describe('a short body leaves nothing behind', () => {
  test('a body shorter than its Content-Length leaves no file', async () => {
    // Each ends either in the handler (which removes its file) or before it (no file yet).
    // or as a request Node could not finish reading (the end came with the headers).
    const mediaLines = () => {
      const lines = api.logs.lines().map((line) => JSON.parse(line));
      const unread = lines.filter((l) => l.msg === 'request could not be read').length;
      const ended = lines
        .filter((l) => /^(upload failed|request aborted)/.test(l.msg))
        .map((l) => l.reqId);
      return new Set(ended).size + unread;
    };
    const before = mediaLines();
    const filesBefore = await filesInUploads();
    for (let i = 0; i < 5; i += 1) {
      const { reply } = rawRequest(
        api.baseUrl,
        head('POST /v1/media', {
          ...hostHeader,
          // Owner B stored nothing, so its quota takes the declared length.
          authorization: `Bearer ${api.keys.b}`,
          'content-type': 'video/mp4',
          'content-length': '2000',
        }),
        { body: 'x'.repeat(100), end: true },
      );
      await reply;
    }
    await waitUntil(() => mediaLines() >= before + 5, {
      what: 'the five uploads to end',
    });
    // A request logged as aborted may still be removing its file; a file left behind stays.
    const newFiles = async () =>
      (await filesInUploads()).filter((name) => !filesBefore.includes(name));
    await waitUntil(async () => (await newFiles()).length === 0, {
      timeoutMs: 2000,
      what: 'no file left in uploads/',
      describe: async () => (await newFiles()).join(', '),
    });
  });
});

describe('connect flow limits', async () => {
  const limited = await startApi({
    env: { CONNECT_RATE_LIMIT_PER_MINUTE: '3', OAUTH_STATES_MAX_LIVE: '4' },
  });
  const start = (key: string) =>
    limited.call('POST', '/v1/accounts/connect', {
      key,
      json: { redirectTo: 'https://backend.example/done' },
    });

  test('429 with Retry-After past the rate per key, and past the live states cap', async () => {
    for (let i = 0; i < 3; i += 1) expect((await start(limited.keys.a)).status).toBe(200);
    const rate = await start(limited.keys.a);
    expect(rate.status).toBe(429);
    expect(rate.body.error.code).toBe('connect_rate_limited');
    expect(Number(rate.headers.get('retry-after'))).toBeGreaterThan(0);

    expect((await start(limited.keys.b)).status).toBe(200);
    const full = await start(limited.keys.b);
    expect(full.status).toBe(429);
    expect(full.body.error.code).toBe('connect_states_full');
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
