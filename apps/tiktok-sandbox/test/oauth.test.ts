import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index';
import {
  api,
  authorize,
  authorizeUrl,
  connect,
  control,
  exchange,
  form,
  logIdPattern,
  redirectUri,
  sandboxFor,
} from './helpers';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await sandboxFor();
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  await control(sandbox, 'POST', '/reset');
  await control(sandbox, 'PATCH', '/config', { autoApprove: true });
});

describe('authorize page', () => {
  it('shows a page with Authorize and Deny buttons a browser can submit', async () => {
    await control(sandbox, 'PATCH', '/config', { autoApprove: false });
    const res = await fetch(authorizeUrl(sandbox));
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(html).toContain('<form method="post" action="/v2/auth/authorize/">');
    expect(html).toMatch(/<button[^>]*value="authorize"[^>]*>Authorize<\/button>/);
    expect(html).toMatch(/<button[^>]*value="deny"[^>]*>Deny<\/button>/);
  });

  it('Authorize grants only the ticked scopes; the callback says `scopes`, plural', async () => {
    await control(sandbox, 'PATCH', '/config', { autoApprove: false });
    const submit = new URLSearchParams({
      client_key: sandbox.clientKey,
      response_type: 'code',
      redirect_uri: redirectUri,
      state: 'abc',
      scope: 'user.info.basic,video.publish',
      account: 'new',
      decision: 'authorize',
    });
    submit.append('grant', 'user.info.basic');
    const res = await fetch(sandbox.authorizeUrl, {
      method: 'POST',
      body: submit,
      redirect: 'manual',
    });
    const callback = new URL(res.headers.get('location') ?? '');
    expect(res.status).toBe(302);
    expect(callback.searchParams.get('scopes')).toBe('user.info.basic');
    expect(callback.searchParams.get('state')).toBe('abc');
    expect(callback.searchParams.has('scope')).toBe(false);
    const token = await exchange(sandbox, callback.searchParams.get('code') ?? '');
    expect(token.body.scope).toBe('user.info.basic');
  });

  it('Deny redirects with error=access_denied and the state', async () => {
    const submit = new URLSearchParams({
      client_key: sandbox.clientKey,
      response_type: 'code',
      redirect_uri: redirectUri,
      state: 'abc',
      scope: 'user.info.basic',
      decision: 'deny',
    });
    const res = await fetch(sandbox.authorizeUrl, {
      method: 'POST',
      body: submit,
      redirect: 'manual',
    });
    const callback = new URL(res.headers.get('location') ?? '');
    expect(callback.origin + callback.pathname).toBe(redirectUri);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe('abc');
    expect(callback.searchParams.has('code')).toBe(false);
  });

  it('never redirects for an unknown client_key; redirects errors for a bad response_type or scope', async () => {
    const bad = await fetch(authorizeUrl(sandbox, { client_key: 'nope' }), { redirect: 'manual' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('location')).toBeNull();

    const type = await authorize(sandbox, { response_type: 'token' });
    expect(type.searchParams.get('error')).toBe('unsupported_response_type');
    const scope = await authorize(sandbox, { scope: 'user.info.basic,video.everything' });
    expect(scope.searchParams.get('error')).toBe('invalid_scope');
    expect(scope.searchParams.get('state')).toBe('csrf-123');
  });

  it('checks redirect_uri against the registered list when one is given', async () => {
    const strict = await sandboxFor({ redirectUris: [redirectUri] });
    try {
      const res = await fetch(authorizeUrl(strict, { redirect_uri: 'https://evil.example/cb' }), {
        redirect: 'manual',
      });
      expect(res.status).toBe(400);
      expect((await authorize(strict)).searchParams.get('code')).toBeTruthy();
    } finally {
      await strict.close();
    }
  });
});

describe('token endpoint', () => {
  it('answers flat JSON with TikTok prefixes and the newest default lifetimes', async () => {
    const callback = await authorize(sandbox);
    expect(callback.searchParams.get('scopes')).toBe(
      'user.info.basic,user.info.profile,user.info.stats,video.list,video.publish,video.upload',
    );
    const res = await exchange(sandbox, callback.searchParams.get('code') ?? '');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      access_token: expect.stringMatching(/^act\./),
      expires_in: 7200,
      open_id: expect.any(String),
      refresh_expires_in: 15_552_000,
      refresh_token: expect.stringMatching(/^rft\./),
      scope:
        'user.info.basic,user.info.profile,user.info.stats,video.list,video.publish,video.upload',
      token_type: 'Bearer',
    });
    expect(res.body.data).toBeUndefined();
  });

  it('uses configured lifetimes', async () => {
    await control(sandbox, 'PATCH', '/config', {
      accessTokenTtlSec: 86400,
      refreshTokenTtlSec: 31536000,
    });
    const token = await connect(sandbox);
    expect(token.expires_in).toBe(86400);
    expect(token.refresh_expires_in).toBe(31536000);
    await control(sandbox, 'PATCH', '/config', {
      accessTokenTtlSec: 7200,
      refreshTokenTtlSec: 15552000,
    });
  });

  it('codes are single-use and bound to the redirect_uri; errors are flat with a log_id', async () => {
    const code = (await authorize(sandbox)).searchParams.get('code') ?? '';
    const mismatch = await exchange(sandbox, code, {
      redirect_uri: 'https://backend.example/other',
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toEqual({
      error: 'invalid_request',
      error_description: 'Redirect_uri is not matched with the uri when requesting code.',
      log_id: expect.stringMatching(logIdPattern),
    });
    expect((await exchange(sandbox, code)).status).toBe(200);
    const again = await exchange(sandbox, code);
    expect(again.body.error).toBe('invalid_grant');
  });

  it('refuses bad client credentials, unknown grants and JSON bodies', async () => {
    const wrong = await form(sandbox, '/v2/oauth/token/', {
      client_key: sandbox.clientKey,
      client_secret: 'wrong',
      grant_type: 'client_credentials',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    const grant = await form(sandbox, '/v2/oauth/token/', {
      client_key: sandbox.clientKey,
      client_secret: sandbox.clientSecret,
      grant_type: 'password',
    });
    expect(grant.body.error).toBe('unsupported_grant_type');
    const json = await fetch(`${sandbox.url}/v2/oauth/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_key: sandbox.clientKey }),
    });
    expect(((await json.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('rotates refresh tokens: the old one answers invalid_grant and is recorded', async () => {
    const first = await connect(sandbox);
    const refresh = (token: string) =>
      form(sandbox, '/v2/oauth/token/', {
        client_key: sandbox.clientKey,
        client_secret: sandbox.clientSecret,
        grant_type: 'refresh_token',
        refresh_token: token,
      });
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).toMatch(/^rft\./);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect(second.body.access_token).not.toBe(first.access_token);
    expect(second.body.open_id).toBe(first.open_id);
    expect(second.body.scope).toBe(first.scope);

    const reused = await refresh(first.refresh_token);
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe('invalid_grant');
    expect(reused.body.log_id).toMatch(logIdPattern);

    const stats = (await control(sandbox, 'GET', '/stats')).body;
    expect(stats.refreshTokensReused).toBe(1);
    expect(stats.violations).toContainEqual(
      expect.objectContaining({ rule: 'refresh_token_reused' }),
    );
    // The newest one still works.
    expect((await refresh(second.body.refresh_token)).status).toBe(200);
  });

  it('revoke answers {} and every token of the user stops working', async () => {
    const token = await connect(sandbox);
    const res = await form(sandbox, '/v2/oauth/revoke/', {
      client_key: sandbox.clientKey,
      client_secret: sandbox.clientSecret,
      token: token.access_token,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    const after = await api(sandbox, token.access_token, '/v2/post/publish/creator_info/query/');
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('access_token_invalid');
    const refreshed = await form(sandbox, '/v2/oauth/token/', {
      client_key: sandbox.clientKey,
      client_secret: sandbox.clientSecret,
      grant_type: 'refresh_token',
      refresh_token: token.refresh_token,
    });
    expect(refreshed.body.error).toBe('invalid_grant');
  });

  it('issues clt. client tokens for two hours', async () => {
    const res = await form(sandbox, '/v2/oauth/token/', {
      client_key: sandbox.clientKey,
      client_secret: sandbox.clientSecret,
      grant_type: 'client_credentials',
    });
    expect(res.body).toEqual({
      access_token: expect.stringMatching(/^clt\./),
      expires_in: 7200,
      token_type: 'Bearer',
    });
  });
});

describe('PKCE', () => {
  const verifier = 'a'.repeat(20) + 'B-._~'.repeat(6);
  const digest = createHash('sha256').update(verifier).digest();

  it.each([
    ['hex (TikTok desktop docs)', digest.toString('hex')],
    ['base64url (RFC 7636)', digest.toString('base64url')],
  ])('verifies a %s S256 challenge', async (_name, challenge) => {
    const params = { code_challenge: challenge, code_challenge_method: 'S256' };
    const code = (await authorize(sandbox, params)).searchParams.get('code') ?? '';
    const wrong = await exchange(sandbox, code, { code_verifier: 'z'.repeat(43) });
    expect(wrong.body.error).toBe('invalid_grant');
    const missing = await exchange(sandbox, code);
    expect(missing.body.error).toBe('invalid_request');
    expect((await exchange(sandbox, code, { code_verifier: verifier })).status).toBe(200);
  });

  it('refuses plain challenges', async () => {
    const callback = await authorize(sandbox, {
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'plain',
    });
    expect(callback.searchParams.get('error')).toBe('invalid_request');
  });
});

describe('access tokens', () => {
  it('expire after the configured lifetime and through the control API', async () => {
    const token = await connect(sandbox);
    const path = '/v2/post/publish/creator_info/query/';
    expect((await api(sandbox, token.access_token, path)).status).toBe(200);
    await control(sandbox, 'POST', '/tokens/expire', { openId: token.open_id });
    const res = await api(sandbox, token.access_token, path);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      data: {},
      error: {
        code: 'access_token_invalid',
        message: expect.any(String),
        log_id: expect.stringMatching(logIdPattern),
      },
    });
    expect(res.headers.get('x-tt-logid')).toBe(res.body.error.log_id);
  });

  it('an expireAccessTokens fault expires the token of the next request only', async () => {
    const token = await connect(sandbox);
    const other = await connect(sandbox);
    const path = '/v2/post/publish/creator_info/query/';
    await control(sandbox, 'POST', '/faults', { expireAccessTokens: true });
    expect((await api(sandbox, token.access_token, path)).status).toBe(401);
    expect((await api(sandbox, token.access_token, path)).status).toBe(401);
    expect((await api(sandbox, other.access_token, path)).status).toBe(200);
  });
});
