import { QUEUE_NAMES } from '@tiktok-fleet/queue';
import { launchChromium } from '@tiktok-fleet/testing/browser';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectedAccountId } from './support/connect';
import { startApi, type TestApi } from './support/harness';

const OPERATOR = { username: 'operator', password: 'correct-horse-battery-staple' };

const operatorEnv = { OPERATOR_USERNAME: OPERATOR.username, OPERATOR_PASSWORD: OPERATOR.password };
const [api, readOnly, closed] = await Promise.all([
  startApi({ env: operatorEnv }),
  startApi({ env: { ...operatorEnv, BULL_BOARD_READ_ONLY: 'true' } }),
  startApi(),
]);
let browser: Browser;
/** A post whose publish job waits (no worker runs here), on each of the two dashboards. */
const postIds = new Map<TestApi, string>();

beforeAll(async () => {
  browser = await launchChromium();
  for (const instance of [api, readOnly]) {
    const accountId = await connectedAccountId(instance);
    const created = await instance.call('POST', '/v1/posts', {
      json: { accountId, video: { path: 'clips/board.mp4' }, privacyLevel: 'SELF_ONLY' },
    });
    expect(created.status).toBe(202);
    postIds.set(instance, created.body.id);
  }
});
afterAll(async () => {
  await browser?.close();
});

/** A fresh browser profile, logged in or not. */
async function openPage(httpCredentials?: typeof OPERATOR): Promise<Page> {
  const context = await browser.newContext(httpCredentials ? { httpCredentials } : {});
  return context.newPage();
}

/** Opens the publish queue's waiting jobs the way an operator would: by clicking. */
async function openPublishQueue(instance: TestApi): Promise<Page> {
  const page = await openPage(OPERATOR);
  const response = await page.goto(`${instance.baseUrl}/admin/queues`);
  expect(response?.status()).toBe(200);
  await page.getByRole('link', { name: 'publish', exact: true }).first().click();
  await page.locator('a[href$="/queue/publish?status=waiting"]').first().click();
  await page
    .getByText(postIds.get(instance) as string)
    .first()
    .waitFor();
  return page;
}

const basic = (user: string, pass: string) =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('Bull Board at /admin/queues', () => {
  test('without a login the browser gets 401 and a Basic challenge, and sees no queue', async () => {
    const page = await openPage();
    const answer = page.waitForResponse((r) => r.url().endsWith('/admin/queues'));
    // With no credentials to answer the challenge with, Chromium gives up on the page.
    await expect(page.goto(`${api.baseUrl}/admin/queues`)).rejects.toThrow(
      /ERR_INVALID_AUTH_CREDENTIALS/,
    );
    const response = await answer;
    expect(response.status()).toBe(401);
    expect(response.headers()['www-authenticate']).toMatch(/^Basic realm=/);
    expect(await response.text()).not.toContain('token-refresh');
    // The dashboard's API and assets are behind the same login.
    const queues = await fetch(`${api.baseUrl}/admin/queues/api/queues`);
    expect(queues.status).toBe(401);
    expect(((await queues.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
  });

  test('a wrong password gets 401 too', async () => {
    const page = await openPage({ ...OPERATOR, password: 'not-the-password-at-all' });
    const response = await page.goto(`${api.baseUrl}/admin/queues`);
    expect(response?.status()).toBe(401);
  });

  test('logged in, it shows every queue and the waiting publish job of the post', async () => {
    const page = await openPublishQueue(api);
    for (const name of QUEUE_NAMES) {
      await expect
        .poll(() => page.getByRole('link', { name, exact: true }).count())
        .toBeGreaterThan(0);
    }
    // The job's data is the post id: what an operator looks for.
    await page.getByText('postId').first().waitFor();
    expect(await page.title()).toBe('tiktok-fleet');
    // Not read-only: the job can be removed from here, and the page's own writes go through.
    expect(await page.locator('button:has(svg.lucide-trash-2)').count()).toBeGreaterThan(0);
    const status = await page.evaluate(() =>
      fetch('api/queues/publish/retry/failed', { method: 'PUT' }).then((r) => r.status),
    );
    expect(status).toBe(200);
  });

  test('read-only mode hides the write actions and refuses them with 405', async () => {
    const page = await openPublishQueue(readOnly);
    expect(await page.locator('button:has(svg.lucide-trash-2)').count()).toBe(0);
    expect(await page.locator('button[aria-haspopup="menu"]').count()).toBe(0);
    const auth = { authorization: basic(OPERATOR.username, OPERATOR.password) };
    const retry = await fetch(`${readOnly.baseUrl}/admin/queues/api/queues/publish/retry/failed`, {
      method: 'PUT',
      headers: auth,
    });
    expect(retry.status).toBe(405);
    const clean = await fetch(`${readOnly.baseUrl}/admin/queues/api/queues/publish/clean/failed`, {
      method: 'PUT',
      headers: auth,
    });
    expect(clean.status).toBe(405);
    const job = await readOnly.queues.publish.getJob(postIds.get(readOnly) as string);
    expect(await job?.getState()).toBe('waiting');
    // The writable dashboard takes the same request.
    const writable = await fetch(`${api.baseUrl}/admin/queues/api/queues/publish/retry/failed`, {
      method: 'PUT',
      headers: auth,
    });
    expect(writable.status).toBe(200);
  });

  test('changes from another site are refused, even with the login', async () => {
    const retry = await fetch(`${api.baseUrl}/admin/queues/api/queues/publish/retry/failed`, {
      method: 'PUT',
      headers: {
        authorization: basic(OPERATOR.username, OPERATOR.password),
        origin: 'https://elsewhere.example',
      },
    });
    expect(retry.status).toBe(403);
  });

  test('the login covers only the dashboard', async () => {
    expect((await api.call('GET', '/healthz', { key: null })).status).toBe(200);
    expect((await api.call('GET', '/v1/accounts')).status).toBe(200);
  });

  test('without OPERATOR_USERNAME and OPERATOR_PASSWORD the dashboard is not there at all', async () => {
    const page = await openPage(OPERATOR);
    const response = await page.goto(`${closed.baseUrl}/admin/queues`);
    expect(response?.status()).toBe(404);
    const api = await fetch(`${closed.baseUrl}/admin/queues/api/queues`, {
      headers: { authorization: basic(OPERATOR.username, OPERATOR.password) },
    });
    expect(api.status).toBe(404);
  });
});
