import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchChromium } from '@tiktok-fleet/testing/browser';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startApi } from './support/harness';

const OPERATOR = { username: 'operator', password: 'correct-horse-battery-staple' };
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../../.tmp/screenshots');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

// A stand-in for the built page: what matters here is who may load it.
const dist = await mkdtemp(path.join(tmpdir(), 'tf-web-dist-'));
await writeFile(
  path.join(dist, 'index.html'),
  '<!doctype html><html lang="en"><title>tiktok-fleet</title><main><h1>The page</h1></main></html>',
);
const api = await startApi({
  env: {
    OPERATOR_USERNAME: OPERATOR.username,
    OPERATOR_PASSWORD: OPERATOR.password,
    WEB_DIST_DIR: dist,
  },
});
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  await mkdir(SCREENSHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await rm(dist, { recursive: true, force: true });
});

async function openPage(width: number): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 800 } });
  return context.newPage();
}

/** axe-core's serious and critical findings on the page as it is now. */
async function seriousViolations(page: Page) {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected by the script tag above (no DOM types here)
    const result = await (globalThis as any).axe.run();
    return (result.violations as Array<{ id: string; impact: string }>)
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.id);
  });
}

describe('the sign-in form in Chromium', () => {
  test('a page opened signed out lands on the form, which fits 375 px and has no serious axe finding', async () => {
    for (const width of [375, 1280]) {
      const page = await openPage(width);
      await page.goto(`${api.baseUrl}/posts`);
      expect(new URL(page.url()).pathname).toBe('/login');
      expect(new URL(page.url()).searchParams.get('next')).toBe('/posts');
      await page.getByLabel('Username').waitFor();
      await page.getByLabel('Password').waitFor();
      // No sideways scrolling: the form fits the screen.
      const scrollWidth = await page.evaluate(
        // biome-ignore lint/suspicious/noExplicitAny: runs in the page; this package has no DOM types
        () => (globalThis as any).document.documentElement.scrollWidth as number,
      );
      expect(scrollWidth).toBeLessThanOrEqual(width);
      expect(await seriousViolations(page)).toEqual([]);
      await page.screenshot({ path: path.join(SCREENSHOTS, `login-${width}.png`), fullPage: true });
      await page.context().close();
    }
  });

  test('by keyboard: a wrong password shows the error, the right one opens the page asked for', async () => {
    const page = await openPage(375);
    await page.goto(`${api.baseUrl}/posts`);
    // The username field has the focus when the form opens.
    await page.keyboard.type(OPERATOR.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type('not-the-password');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toBe('Wrong username or password.');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Username').fill(OPERATOR.username);
    await page.getByLabel('Password').fill(OPERATOR.password);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${api.baseUrl}/posts`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('The page');

    // The page's own writes: refused without the session's CSRF token, accepted with it.
    const statuses = await page.evaluate(async () => {
      const connect = (headers: Record<string, string>) =>
        fetch('/v1/accounts/connect', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ redirectTo: '/accounts' }),
        }).then((r) => r.status);
      const session = (await fetch('/v1/session').then((r) => r.json())) as { csrfToken: string };
      return [await connect({}), await connect({ 'x-csrf-token': session.csrfToken })];
    });
    expect(statuses).toEqual([403, 200]);
    await page.context().close();
  });
});
