import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, parseConfig } from '@tiktok-fleet/config';
import { afterAll, describe, expect, test } from 'vitest';
import { API_CONFIG_KEYS } from '../src';
import { sessionSecret } from '../src/config';
import { browserSession } from './support/browser-session';
import { startApi } from './support/harness';

const OPERATOR = { username: 'operator', password: 'correct-horse-battery-staple' };
const TTL_SECONDS = 3600;
const INDEX_HTML = '<!doctype html><title>tiktok-fleet page</title><div id="app"></div>';
const ASSET_JS = 'console.log("the page");';

// The page's dist directory is made by a test below, after checking the answer without it.
const dist = await mkdtemp(path.join(tmpdir(), 'tf-web-dist-'));
const webDist = path.join(dist, 'dist');
afterAll(() => rm(dist, { recursive: true, force: true }));

// The clock sessions expire by: a test moves it forward instead of waiting hours.
let clockOffsetMs = 0;
const [api, production] = await Promise.all([
  startApi({
    env: {
      OPERATOR_USERNAME: OPERATOR.username,
      OPERATOR_PASSWORD: OPERATOR.password,
      SESSION_TTL_SECONDS: String(TTL_SECONDS),
      WEB_DIST_DIR: webDist,
    },
    deps: { now: () => Date.now() + clockOffsetMs },
  }),
  // As deployed behind a TLS-terminating Ingress.
  startApi({
    env: {
      NODE_ENV: 'production',
      OPERATOR_USERNAME: OPERATOR.username,
      OPERATOR_PASSWORD: OPERATOR.password,
      SESSION_SECRET: 'a-session-secret-of-more-than-32-characters',
      TRUST_PROXY: 'true',
    },
  }),
]);

async function signedIn() {
  const browser = browserSession(api);
  const answer = await browser.signIn(OPERATOR.username, OPERATOR.password);
  expect(answer.status).toBe(303);
  return browser;
}

const PAGE_PATHS = [
  '/',
  '/accounts',
  '/post',
  '/posts',
  '/posts/post_123',
  '/analytics',
  '/fleet',
  '/anything/else',
  '/assets/app-1234.js',
  '/index.html',
];

describe('signed out', () => {
  test('nothing of the page is served: every page path and asset is a 303 to the sign-in form', async () => {
    const browser = browserSession(api);
    for (const pagePath of PAGE_PATHS) {
      const answer = await browser.request('GET', pagePath);
      expect(answer.status, pagePath).toBe(303);
      expect(answer.headers.get('location'), pagePath).toBe(
        `/login?next=${encodeURIComponent(pagePath)}`,
      );
      expect(answer.text).not.toContain('tiktok-fleet page');
    }
    const session = await browser.request('GET', '/v1/session');
    expect(session.status).toBe(401);
    expect(session.body.error.code).toBe('not_signed_in');
    expect((await browser.request('GET', '/v1/accounts')).status).toBe(401);
  });

  test('unknown API paths stay JSON 404s, not the sign-in redirect', async () => {
    const answer = await browserSession(api).request('GET', '/v1/no-such-thing');
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('not_found');
  });

  test('the sign-in form is a real form with labelled fields and a CSRF token', async () => {
    const form = await browserSession(api).request('GET', '/login?next=%2Fposts');
    expect(form.status).toBe(200);
    expect(form.headers.get('content-type')).toMatch(/^text\/html/);
    expect(form.text).toContain('<form method="post" action="/login"');
    expect(form.text).toContain('<label for="username">');
    expect(form.text).toContain('<label for="password">');
    expect(form.text).toContain('name="next" value="/posts"');
    expect(form.text).toMatch(/name="_csrf" value="[^"]+"/);
    expect(form.text).toContain('name="viewport"');
  });
});

describe('signing in', () => {
  test('a wrong password is refused with 401 and the form again, and signs nobody in', async () => {
    const browser = browserSession(api);
    const answer = await browser.signIn(OPERATOR.username, 'not-the-password-at-all');
    expect(answer.status).toBe(401);
    expect(answer.text).toContain('Wrong username or password.');
    expect(answer.text).toContain('name="password"');
    expect((await browser.request('GET', '/v1/session')).status).toBe(401);
    expect((await browser.request('GET', '/')).status).toBe(303);
    const wrongName = await browser.signIn('someone-else', OPERATOR.password);
    expect(wrongName.status).toBe(401);
  });

  test('a sign-in without the form’s CSRF token is refused', async () => {
    const browser = browserSession(api);
    await browser.request('GET', '/login');
    const answer = await browser.request('POST', '/login', { form: { ...OPERATOR } });
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('The sign-in form had expired');
    expect((await browser.request('GET', '/v1/session')).status).toBe(401);
  });

  test('the right login sets an HttpOnly, SameSite=Lax session cookie and goes to next', async () => {
    const browser = browserSession(api);
    const answer = await browser.signIn(
      OPERATOR.username,
      OPERATOR.password,
      '/posts?status=failed',
    );
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/posts?status=failed');
    const cookie = answer.headers.getSetCookie().find((c) => c.startsWith('tf_session='));
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    // The browser drops the cookie when the session ends.
    const expires = Date.parse(/; Expires=([^;]+)/i.exec(cookie ?? '')?.[1] ?? '');
    expect(expires - Date.now()).toBeGreaterThan((TTL_SECONDS - 60) * 1000);
    expect(expires - Date.now()).toBeLessThanOrEqual(TTL_SECONDS * 1000);
    // Secure only outside development and test: this API runs with NODE_ENV=test on http.
    expect(cookie).not.toMatch(/; Secure/i);
    const session = await browser.request('GET', '/v1/session');
    expect(session.status).toBe(200);
    expect(session.body.operator).toEqual({ username: OPERATOR.username });
    expect(session.body.ownerId).toBe('operator');
    expect(typeof session.body.csrfToken).toBe('string');
    const expiresIn = Date.parse(session.body.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan((TTL_SECONDS - 60) * 1000);
    expect(expiresIn).toBeLessThanOrEqual(TTL_SECONDS * 1000);
  });

  test('next never leads to another site', async () => {
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
      const answer = await browserSession(api).signIn(OPERATOR.username, OPERATOR.password, next);
      expect(answer.status, next).toBe(303);
      expect(answer.headers.get('location'), next).toBe('/');
    }
  });

  test('a sign-in posted from another site is refused', async () => {
    const browser = browserSession(api);
    const form = await browser.request('GET', '/login');
    const answer = await browser.request('POST', '/login', {
      form: { ...OPERATOR, _csrf: browser.formToken(form.text) },
      headers: { origin: 'https://elsewhere.example' },
    });
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('cross_site_request');
  });
});

describe('the page, signed in', () => {
  test('before the page is built, / says how to build it (never a 500)', async () => {
    const browser = await signedIn();
    const answer = await browser.request('GET', '/');
    expect(answer.status).toBe(503);
    expect(answer.text).toContain('pnpm --filter @tiktok-fleet/web build');
  });

  test('serves index.html for every page path and the built assets', async () => {
    await mkdir(path.join(webDist, 'assets'), { recursive: true });
    await writeFile(path.join(webDist, 'index.html'), INDEX_HTML);
    await writeFile(path.join(webDist, 'assets', 'app-1234.js'), ASSET_JS);
    const browser = await signedIn();
    for (const pagePath of ['/', '/accounts', '/posts/post_123', '/fleet', '/anything/else']) {
      const answer = await browser.request('GET', pagePath);
      expect(answer.status, pagePath).toBe(200);
      expect(answer.text, pagePath).toBe(INDEX_HTML);
    }
    const asset = await browser.request('GET', '/assets/app-1234.js');
    expect(asset.status).toBe(200);
    expect(asset.text).toBe(ASSET_JS);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect((await browser.request('GET', '/assets/missing.js')).status).toBe(404);
    expect((await browser.request('GET', '/assets/..%2f..%2fpackage.json')).status).not.toBe(200);
  });

  test('a session reaches Bull Board without basic auth', async () => {
    const browser = await signedIn();
    expect((await browser.request('GET', '/admin/queues')).status).toBe(200);
    expect((await browserSession(api).request('GET', '/admin/queues')).status).toBe(401);
  });
});

describe('writes with the session', () => {
  const connect = { redirectTo: '/accounts' };

  test('a write without the CSRF token is refused with 403 csrf_token_invalid', async () => {
    const browser = await signedIn();
    const without = await browser.request('POST', '/v1/accounts/connect', { json: connect });
    expect(without.status).toBe(403);
    expect(without.body.error.code).toBe('csrf_token_invalid');
    const wrong = await browser.request('POST', '/v1/accounts/connect', {
      json: connect,
      headers: { 'x-csrf-token': 'not-a-token' },
    });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('csrf_token_invalid');
    // Another session's token is no good either.
    const other = await (await signedIn()).csrfToken();
    const borrowed = await browser.request('POST', '/v1/accounts/connect', {
      json: connect,
      headers: { 'x-csrf-token': other },
    });
    expect(borrowed.status).toBe(403);
  });

  test('a cross-site write is refused with 403 cross_site_request, even with the token', async () => {
    const browser = await signedIn();
    const token = await browser.csrfToken();
    const crossSite: Record<string, string>[] = [
      { origin: 'https://elsewhere.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of crossSite) {
      const answer = await browser.request('POST', '/v1/accounts/connect', {
        json: connect,
        headers: { ...headers, 'x-csrf-token': token },
      });
      expect(answer.status, JSON.stringify(headers)).toBe(403);
      expect(answer.body.error.code).toBe('cross_site_request');
    }
  });

  test('with the token, from the page, a write goes through as owner OPERATOR_OWNER_ID', async () => {
    const browser = await signedIn();
    const token = await browser.csrfToken();
    const answer = await browser.request('POST', '/v1/accounts/connect', {
      json: connect,
      headers: { 'x-csrf-token': token, origin: api.baseUrl, 'sec-fetch-site': 'same-origin' },
    });
    expect(answer.status).toBe(200);
    // The connect flow lands on the page's own path, with the new account.
    await api.sandboxControl('PATCH', '/_sandbox/config', { autoApprove: true });
    const authorize = await fetch(answer.body.authorizeUrl, { redirect: 'manual' });
    const callback = await fetch(authorize.headers.get('location') ?? '', { redirect: 'manual' });
    const landing = new URL(callback.headers.get('location') ?? 'about:blank');
    expect(`${landing.origin}${landing.pathname}`).toBe(`${api.baseUrl}/accounts`);
    const accountId = landing.searchParams.get('accountId');
    const accounts = await browser.request('GET', '/v1/accounts');
    expect(accounts.body.accounts.map((a: { id: string }) => a.id)).toEqual([accountId]);
    expect(accounts.body.accounts[0].ownerId).toBe('operator');
  });

  test('API keys work as before: no CSRF token, and a relative redirectTo is refused', async () => {
    const answer = await api.call('POST', '/v1/accounts/connect', {
      json: { redirectTo: 'https://backend.example/done' },
    });
    expect(answer.status).toBe(200);
    const relative = await api.call('POST', '/v1/accounts/connect', { json: connect });
    expect(relative.status).toBe(400);
    expect(relative.body.error.code).toBe('invalid_request');
  });
});

describe('the end of a session', () => {
  test('a session expires after SESSION_TTL_SECONDS', async () => {
    const browser = await signedIn();
    expect((await browser.request('GET', '/v1/session')).status).toBe(200);
    clockOffsetMs = (TTL_SECONDS + 1) * 1000;
    try {
      const session = await browser.request('GET', '/v1/session');
      expect(session.status).toBe(401);
      expect(session.body.error.code).toBe('not_signed_in');
      expect((await browser.request('GET', '/v1/accounts')).status).toBe(401);
      expect((await browser.request('GET', '/accounts')).status).toBe(303);
      expect((await browser.request('GET', '/admin/queues')).status).toBe(401);
    } finally {
      clockOffsetMs = 0;
    }
  });

  test('signing out needs the token, ends the session and goes to /login', async () => {
    const browser = await signedIn();
    const without = await browser.request('POST', '/logout');
    expect(without.status).toBe(403);
    expect((await browser.request('GET', '/v1/session')).status).toBe(200);
    const token = await browser.csrfToken();
    const out = await browser.request('POST', '/logout', { form: { _csrf: token } });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/login');
    expect((await browser.request('GET', '/v1/session')).status).toBe(401);
    expect((await browser.request('GET', '/')).status).toBe(303);
  });
});

describe('in production', () => {
  test('behind a TLS proxy (TRUST_PROXY) the session cookie is Secure, and sign-in works', async () => {
    const browser = browserSession(production, { headers: { 'x-forwarded-proto': 'https' } });
    const answer = await browser.signIn(OPERATOR.username, OPERATOR.password);
    expect(answer.status).toBe(303);
    const cookie = answer.headers.getSetCookie().find((c) => c.startsWith('tf_session='));
    expect(cookie).toMatch(/; Secure/i);
    expect((await browser.request('GET', '/v1/session')).status).toBe(200);
  });

  test('after 10 wrong passwords from one address, even the right one must wait', async () => {
    const guesser = browserSession(production, { headers: { 'x-forwarded-proto': 'https' } });
    for (let i = 0; i < 10; i++) {
      expect((await guesser.signIn(OPERATOR.username, `wrong-password-${i}`)).status).toBe(401);
    }
    const eleventh = await guesser.signIn(OPERATOR.username, 'wrong-password-10');
    expect(eleventh.status).toBe(429);
    const right = await guesser.signIn(OPERATOR.username, OPERATOR.password);
    expect(right.status).toBe(429);
    expect(right.text).toContain('Too many wrong passwords');
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await guesser.request('GET', '/v1/session')).status).toBe(401);
  });
});

describe('configuration', () => {
  const base = {
    TIKTOK_CLIENT_KEY: 'k',
    TIKTOK_CLIENT_SECRET: 's',
    REDIS_URL: 'redis://127.0.0.1:6379',
    DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres',
    TOKEN_ENCRYPTION_KEY: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
    MEDIA_ROOT: '/tmp',
    OPERATOR_USERNAME: 'operator',
    OPERATOR_PASSWORD: OPERATOR.password,
  };

  test('production with an operator password needs its own SESSION_SECRET', () => {
    const production = parseConfig(API_CONFIG_KEYS, { ...base, NODE_ENV: 'production' });
    expect(() => sessionSecret(production)).toThrow(ConfigError);
    expect(() => sessionSecret(production)).toThrow(/SESSION_SECRET/);
    const short = () =>
      parseConfig(API_CONFIG_KEYS, { ...base, NODE_ENV: 'production', SESSION_SECRET: 'short' });
    expect(short).toThrow(/at least 32 characters/);
    const development = parseConfig(API_CONFIG_KEYS, { ...base, NODE_ENV: 'development' });
    expect(sessionSecret(development).length).toBeGreaterThanOrEqual(32);
  });
});
