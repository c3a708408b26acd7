import { createAccountRepository } from '@tiktok-fleet/db';
import { describe, expect, test } from 'vitest';
import { browserSession } from './support/browser-session';
import { cipherOf } from './support/cipher';
import { connectThroughOAuth } from './support/connect';
import { jsonOf, startApi } from './support/harness';

const api = await startApi({
  env: { OPERATOR_USERNAME: 'operator', OPERATOR_PASSWORD: 'correct horse battery' },
});

const tokensOf = (accountId: string) =>
  createAccountRepository(api.db, cipherOf(api)).getTokens(accountId);

describe('connecting an account through OAuth', () => {
  test('connect → TikTok authorize → callback stores the account with encrypted tokens', async () => {
    const { started, location, callback } = await connectThroughOAuth(api);
    expect(started).toMatchObject({
      authorizeUrl: expect.stringContaining(api.sandbox.authorizeUrl),
      state: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresAt: expect.any(String),
    });
    const authorize = new URL(started.authorizeUrl);
    expect(authorize.searchParams.get('redirect_uri')).toBe(
      `${api.baseUrl}/api/integrations/tiktok/callback`,
    );
    expect(authorize.searchParams.get('state')).toBe(started.state);
    expect(authorize.searchParams.get('client_key')).toBe(api.sandbox.clientKey);

    expect(callback.status).toBe(302);
    expect(`${location.origin}${location.pathname}`).toBe('https://backend.example/tiktok/done');
    expect(location.searchParams.get('tab')).toBe('accounts');
    const accountId = location.searchParams.get('accountId') ?? '';
    expect(accountId).toMatch(/^acc_/);

    const read = await api.call('GET', `/v1/accounts/${accountId}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      id: accountId,
      ownerId: 'owner-a',
      status: 'active',
      grantedScopes: expect.arrayContaining(['user.info.basic', 'video.publish']),
      displayName: expect.any(String),
      creator: { privacyLevelOptions: expect.arrayContaining(['SELF_ONLY']) },
    });
    expect(read.text).not.toMatch(/act\.|rft\.|[Cc]iphertext|accessToken"|refreshToken"/);

    // The raw row holds ciphertexts only; the plaintext token works at the sandbox.
    const row = await api.rows.account(accountId);
    expect(row.accessTokenCiphertext).toMatch(/^v2:k1:/);
    expect(row.refreshTokenCiphertext).toMatch(/^v2:k1:/);
    const { accessToken, refreshToken } = await tokensOf(accountId);
    expect(accessToken.startsWith('act.')).toBe(true);
    for (const column of Object.values(row)) {
      expect(String(column)).not.toContain(accessToken);
      expect(String(column)).not.toContain(refreshToken);
    }
    const info = await api.tiktok.getUserInfo(accessToken, ['open_id']);
    expect(info.openId).toBe(row.openId);

    const list = await api.call('GET', '/v1/accounts');
    expect(list.body.accounts.map((a: { id: string }) => a.id)).toContain(accountId);
    expect((await api.call('GET', '/v1/accounts', { key: api.keys.b })).body.accounts).toEqual([]);
    expect((await api.call('GET', `/v1/accounts/${accountId}`, { key: api.keys.b })).status).toBe(
      404,
    );
  });

  test('connecting the same TikTok user again updates that account', async () => {
    const first = await connectThroughOAuth(api);
    const accountId = first.location.searchParams.get('accountId') ?? '';
    const { openId } = await api.rows.account(accountId);
    const before = await api.rows.account(accountId);
    const again = await connectThroughOAuth(api, { openId });
    expect(again.location.searchParams.get('accountId')).toBe(accountId);
    const after = await api.rows.account(accountId);
    expect(after.accessTokenCiphertext).not.toBe(before.accessTokenCiphertext);
    expect(await api.rows.accountsWithOpenId(openId)).toBe(1);
  });

  test('another owner cannot take over a connected account', async () => {
    const first = await connectThroughOAuth(api);
    const accountId = first.location.searchParams.get('accountId') ?? '';
    const { openId } = await api.rows.account(accountId);
    const other = await connectThroughOAuth(api, { openId, key: api.keys.b });
    expect(other.location.searchParams.get('error')).toBe('account_connected_elsewhere');
    expect(other.location.searchParams.get('accountId')).toBeNull();
    const row = await api.rows.account(accountId);
    expect(row.ownerId).toBe('owner-a');
  });

  test('a forged, reused or missing state is refused with a clear error', async () => {
    const { callbackUrl, location } = await connectThroughOAuth(api);
    expect(location.searchParams.get('accountId')).toMatch(/^acc_/);

    const reused = await fetch(callbackUrl, { redirect: 'manual' });
    expect(reused.status).toBe(400);
    expect((await jsonOf(reused)).error.code).toBe('oauth_state_invalid');

    const forged = new URL(callbackUrl);
    forged.searchParams.set('state', 'A'.repeat(43));
    const forgedReply = await fetch(forged, { redirect: 'manual' });
    expect(forgedReply.status).toBe(400);
    const body = await jsonOf(forgedReply);
    expect(body.error.code).toBe('oauth_state_invalid');
    expect(body.error.message).toContain('Start connecting the account again');

    const missing = new URL(callbackUrl);
    missing.searchParams.delete('state');
    const missingReply = await fetch(missing, { redirect: 'manual' });
    expect((await jsonOf(missingReply)).error.code).toBe('oauth_state_missing');

    // A browser gets a page, not JSON.
    const page = await fetch(forged, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('unknown, already used or expired');
  });

  test('an expired state is refused', async () => {
    await api.sandboxControl('PATCH', '/_sandbox/config', { autoApprove: true });
    const started = await api.call('POST', '/v1/accounts/connect', {
      json: { redirectTo: 'https://backend.example/done' },
    });
    await api.redis.pexpire(`${api.prefix}:oauth-state:${started.body.state}`, 1);
    await expect
      .poll(() => api.redis.exists(`${api.prefix}:oauth-state:${started.body.state}`))
      .toBe(0);
    const authorize = await fetch(started.body.authorizeUrl, { redirect: 'manual' });
    const callback = await fetch(authorize.headers.get('location') ?? '', { redirect: 'manual' });
    expect(callback.status).toBe(400);
    expect((await jsonOf(callback)).error.code).toBe('oauth_state_invalid');
  });

  test('a user who declines is sent back with error=access_denied', async () => {
    await api.sandboxControl('PATCH', '/_sandbox/config', { autoApprove: false });
    const started = await api.call('POST', '/v1/accounts/connect', {
      json: { redirectTo: 'https://backend.example/done' },
    });
    const form = new URL(started.body.authorizeUrl);
    const deny = await fetch(api.sandbox.authorizeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...Object.fromEntries(form.searchParams), decision: 'deny' }),
      redirect: 'manual',
    });
    const callback = await fetch(deny.headers.get('location') ?? '', { redirect: 'manual' });
    expect(callback.status).toBe(302);
    const location = new URL(callback.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('error_description')).toContain('declined');
  });

  test('connect refuses a bad redirectTo and another owner id', async () => {
    const bad = await api.call('POST', '/v1/accounts/connect', {
      json: { redirectTo: 'javascript:alert(1)' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
    const other = await api.call('POST', '/v1/accounts/connect', {
      json: { ownerId: 'owner-b', redirectTo: 'https://backend.example/done' },
    });
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('owner_mismatch');
    const unknown = await api.call('POST', '/v1/accounts/connect', {
      json: { redirectTo: 'https://backend.example/done', scopes: 'all' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toContainEqual({
      field: 'scopes',
      problem: 'is not a known field',
    });
  });
});

describe('the operator connect page', () => {
  const basic = (user: string, pass: string) =>
    `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

  test('needs the operator login', async () => {
    const none = await api.call('GET', '/api/integrations/tiktok/connect?ownerId=x', { key: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Basic');
    expect(none.body.error.code).toBe('unauthorized');
    const wrong = await api.call('GET', '/api/integrations/tiktok/connect?ownerId=x', {
      key: null,
      headers: { authorization: basic('operator', 'wrong password!!') },
    });
    expect(wrong.status).toBe(401);
  });

  test('asks for the owner, then goes to TikTok and ends on a success page', async () => {
    const browser = browserSession(api, {
      headers: { authorization: basic('operator', 'correct horse battery') },
    });
    const form = await browser.request('GET', '/api/integrations/tiktok/connect');
    expect(form.status).toBe(200);
    expect(form.text).toContain('name="ownerId"');
    expect(form.text).toContain('method="post"');

    await api.sandboxControl('PATCH', '/_sandbox/config', {
      autoApprove: true,
      autoApproveOpenId: null,
    });
    const start = await browser.request('POST', '/api/integrations/tiktok/connect', {
      form: { ownerId: 'owner-ops', _csrf: browser.formToken(form.text) },
    });
    expect(start.status).toBe(303);
    const authorizeUrl = new URL(start.headers.get('location') ?? '');
    expect(authorizeUrl.searchParams.get('disable_auto_auth')).toBe('1');
    const authorize = await fetch(authorizeUrl, { redirect: 'manual' });
    const callback = await fetch(authorize.headers.get('location') ?? '', {
      headers: { accept: 'text/html' },
      redirect: 'manual',
    });
    expect(callback.status).toBe(200);
    const html = await callback.text();
    expect(html).toContain('TikTok account connected');
    const accountId = /acc_[0-9a-z]{26}/.exec(html)?.[0] ?? '';
    const row = await api.rows.account(accountId);
    expect(row.ownerId).toBe('owner-ops');
  });

  test('a GET starts nothing, and a POST without the CSRF token or from another site is refused', async () => {
    const browser = browserSession(api, {
      headers: { authorization: basic('operator', 'correct horse battery') },
    });
    const states = async () => (await api.redis.keys(`${api.prefix}:oauth-state:*`)).length;
    const before = await states();
    // What a cross-site <img src> or link would make the operator's browser send.
    const get = await browser.request('GET', '/api/integrations/tiktok/connect?ownerId=victim');
    expect(get.status).toBe(200);
    expect(get.headers.get('location')).toBeNull();
    expect(await states()).toBe(before);

    const noToken = await browser.request('POST', '/api/integrations/tiktok/connect', {
      form: { ownerId: 'victim' },
    });
    expect(noToken.status).toBe(403);
    expect(noToken.body.error.code).toBe('csrf_token_invalid');
    const crossSite = await browser.request('POST', '/api/integrations/tiktok/connect', {
      form: { ownerId: 'victim', _csrf: browser.formToken(get.text) },
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.error.code).toBe('cross_site_request');
    expect(await states()).toBe(before);
  });

  test('is off without operator credentials', async () => {
    const off = await startApi();
    const reply = await off.call('GET', '/api/integrations/tiktok/connect?ownerId=x', {
      key: null,
      headers: { authorization: basic('operator', 'correct horse battery') },
    });
    expect(reply.status).toBe(404);
    expect(reply.body.error.code).toBe('operator_pages_disabled');
  });
});

describe('DELETE /v1/accounts/:id', () => {
  test('revokes at TikTok, erases the tokens and fails the posts waiting for it', async () => {
    const { location } = await connectThroughOAuth(api);
    const accountId = location.searchParams.get('accountId') ?? '';
    const { accessToken } = await tokensOf(accountId);
    const post = await api.call('POST', '/v1/posts', {
      json: {
        accountId,
        video: { path: 'a.mp4' },
        privacyLevel: 'SELF_ONLY',
        callbackUrl: 'https://backend.example/hook',
      },
    });
    expect(post.status).toBe(202);

    expect(
      (await api.call('DELETE', `/v1/accounts/${accountId}`, { key: api.keys.b })).status,
    ).toBe(404);
    const reply = await api.call('DELETE', `/v1/accounts/${accountId}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      id: accountId,
      status: 'revoked',
      accessTokenExpiresAt: null,
    });

    // The sandbox no longer honours the token.
    await expect(api.tiktok.getUserInfo(accessToken, ['open_id'])).rejects.toMatchObject({
      code: 'access_token_invalid',
    });
    const stats = await api.sandboxControl('GET', '/_sandbox/stats');
    expect(stats.requests['/v2/oauth/revoke/']).toBeGreaterThanOrEqual(1);

    const row = await api.rows.account(accountId);
    expect(row).toMatchObject({
      status: 'revoked',
      accessTokenCiphertext: '',
      refreshTokenCiphertext: '',
    });
    const failed = await api.call('GET', `/v1/posts/${post.body.id}`);
    expect(failed.body).toMatchObject({
      status: 'failed',
      error: { code: 'account_revoked', message: expect.stringContaining('disconnected') },
    });
    expect(await api.queues.publish.getJob(post.body.id)).toBeUndefined();
    expect(await api.queues.notify.getJob(`notify-${post.body.id}-post.failed`)).toBeDefined();

    const refused = await api.call('POST', '/v1/posts', {
      json: { accountId, video: { path: 'a.mp4' }, privacyLevel: 'SELF_ONLY' },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('account_revoked');
  });
});
