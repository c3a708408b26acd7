import { describe, expect, it } from 'vitest';
import { createTikTokClient } from '../src/client';
import { createPkcePair } from '../src/pkce';
import { ALL_SCOPES, caught, REDIRECT_URI, useSandbox } from './support/sandbox';

const env = useSandbox();

describe('OAuth against the sandbox', () => {
  it('exchanges a code for tokens whose lifetimes come from expires_in', async () => {
    await env.reset({ accessTokenTtlSec: 86_400, refreshTokenTtlSec: 31_536_000 });
    const before = Date.now();
    const tokens = await env.connect();
    expect(tokens.accessToken).toMatch(/^act\./);
    expect(tokens.refreshToken).toMatch(/^rft\./);
    expect(tokens.openId).not.toBe('');
    expect(tokens.scopes).toEqual(expect.arrayContaining(ALL_SCOPES));
    // The older docs' 24 h / 365 d, taken from the answer, not from a constant.
    expect(tokens.expiresIn).toBe(86_400);
    expect(tokens.accessTokenExpiresAt.getTime()).toBeGreaterThanOrEqual(
      before + 86_400_000 - 1000,
    );
    expect(tokens.accessTokenExpiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 86_400_000);
    expect(tokens.refreshTokenExpiresAt.getTime()).toBeGreaterThanOrEqual(
      before + 31_536_000_000 - 1000,
    );
  });

  it('follows the newest docs’ lifetimes (2 h / 180 d) when the sandbox issues them', async () => {
    await env.reset({ accessTokenTtlSec: 7200, refreshTokenTtlSec: 15_552_000 });
    const tokens = await env.connect();
    expect(tokens.expiresIn).toBe(7200);
    expect(tokens.refreshExpiresIn).toBe(15_552_000);
    expect(tokens.refreshTokenExpiresAt.getTime() - tokens.accessTokenExpiresAt.getTime()).toBe(
      (15_552_000 - 7200) * 1000,
    );
  });

  it('rotates the refresh token: the new one works, the old one is refused as invalid_grant', async () => {
    await env.reset();
    const first = await env.connect();
    const second = await env.client.refreshToken(first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.openId).toBe(first.openId);

    const reused = await caught(() => env.client.refreshToken(first.refreshToken));
    expect(reused).toMatchObject({
      code: 'invalid_grant',
      action: 'reauthorize',
      retryable: false,
    });
    expect(reused.message).not.toContain(first.refreshToken);

    const third = await env.client.refreshToken(second.refreshToken);
    await expect(env.client.queryCreatorInfo(third.accessToken)).resolves.toBeTruthy();
  });

  it.each(['hex', 'base64url'] as const)(
    'completes a PKCE flow with a %s challenge',
    async (encoding) => {
      await env.reset();
      const pkce = createPkcePair(encoding);
      const tokens = await env.connect({}, ['user.info.basic'], pkce);
      expect(tokens.accessToken).toMatch(/^act\./);

      const { openId } = await env.control<{ openId: string }>('POST', '/creators', {});
      const code = await env.authorizeCode(openId, ['user.info.basic'], pkce.codeChallenge);
      const wrong = await caught(() =>
        env.client.exchangeCode({
          code,
          redirectUri: REDIRECT_URI,
          codeVerifier: createPkcePair().codeVerifier,
        }),
      );
      expect(wrong).toMatchObject({ code: 'invalid_grant', action: 'reauthorize' });
    },
  );

  it('classifies OAuth errors from the flat error body', async () => {
    await env.reset();
    const { openId } = await env.control<{ openId: string }>('POST', '/creators', {});
    const code = await env.authorizeCode(openId, ['user.info.basic']);

    const mismatch = await caught(() =>
      env.client.exchangeCode({ code, redirectUri: 'https://elsewhere.example/cb' }),
    );
    expect(mismatch).toMatchObject({
      code: 'invalid_request',
      action: 'fix_request',
      endpoint: '/v2/oauth/token/',
    });
    expect(mismatch.logId).toMatch(/^\d{14}[0-9A-F]{20}$/);
    expect(mismatch.tiktokMessage).toMatch(/redirect_uri/i);

    const unknown = await caught(() =>
      env.client.exchangeCode({ code: 'not-a-code', redirectUri: REDIRECT_URI }),
    );
    expect(unknown).toMatchObject({ code: 'invalid_grant', action: 'reauthorize' });

    const secret = 'a-wrong-client-secret-value';
    const wrongApp = createTikTokClient({
      clientKey: env.sandbox.clientKey,
      clientSecret: secret,
      apiBaseUrl: env.sandbox.url,
    });
    try {
      const badClient = await caught(() => wrongApp.getClientToken());
      expect(badClient).toMatchObject({
        code: 'invalid_client',
        action: 'fix_request',
        retryable: false,
      });
      expect(JSON.stringify(badClient)).not.toContain(secret);
      expect(badClient.message).not.toContain(secret);
    } finally {
      wrongApp.close();
    }
  });

  it('never puts the client secret or a token in an error', async () => {
    await env.reset();
    const tokens = await env.connect();
    await env.client.refreshToken(tokens.refreshToken);
    const err = await caught(() => env.client.refreshToken(tokens.refreshToken));
    const text = `${err.message} ${JSON.stringify(err)} ${String(err.stack)}`;
    expect(text).not.toContain(env.sandbox.clientSecret);
    expect(text).not.toContain(tokens.refreshToken);
    expect(text).not.toContain(tokens.accessToken);
  });

  it('revokes an access token: calls with it then fail and the refresh token is dead', async () => {
    await env.reset();
    const tokens = await env.connect();
    await env.client.revokeToken(tokens.accessToken);
    const after = await caught(() => env.client.queryCreatorInfo(tokens.accessToken));
    expect(after).toMatchObject({
      code: 'access_token_invalid',
      action: 'refresh_token',
      httpStatus: 401,
    });
    const refresh = await caught(() => env.client.refreshToken(tokens.refreshToken));
    expect(refresh).toMatchObject({ code: 'invalid_grant', action: 'reauthorize' });
  });

  it('gets a client token for the Research API', async () => {
    await env.reset();
    const before = Date.now();
    const token = await env.client.getClientToken();
    expect(token.accessToken).toMatch(/^clt\./);
    expect(token.expiresIn).toBe(7200);
    expect(token.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 7_200_000 - 1000);
  });
});
