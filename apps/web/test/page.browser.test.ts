import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkPage, launch, seen, signIn } from './support/browser';
import { buildPage, fixture, startFleet, type TestFleet } from './support/fleet';

// TikTok's own words (docs/tiktok-api.md, Posting screen rules): the page must show these.
const TIKTOK = {
  yourBrand: 'Your brand',
  brandedContent: 'Branded content',
  brandedNotPrivate: 'Branded content visibility cannot be set to private.',
  incomplete: 'You need to indicate if your content promotes yourself, a third party, or both.',
  declarationDefault: "By posting, you agree to TikTok's Music Usage Confirmation",
  declarationBranded:
    "By posting, you agree to TikTok's Branded Content Policy and Music Usage Confirmation",
};

let fleet: TestFleet;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Accounts connected through the page, by the creator's username. */
const accountIds = new Map<string, string>();

beforeAll(async () => {
  const webDist = await buildPage();
  [fleet, browser] = await Promise.all([startFleet({ webDist }), launch()]);
  context = await browser.newContext();
  // The share link leads to tiktok.com, which this machine cannot reach: answer it here.
  await context.route('https://www.tiktok.com/**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<title>TikTok</title>' }),
  );
  page = await context.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

/**
 * Connects a sandbox creator the way a person does: Connect TikTok on the Accounts page,
 * TikTok's (the sandbox's) authorize page, Authorize, and back on /accounts?accountId=.
 */
async function connectThroughPage(creator: Record<string, unknown> & { username: string }) {
  const { openId } = await fleet.control<{ openId: string }>('POST', '/creators', creator);
  await page.goto(`${fleet.baseUrl}/accounts`);
  await page.getByRole('button', { name: 'Connect TikTok' }).click();
  await page.waitForURL((url) => url.pathname === '/v2/auth/authorize/');
  await page.getByLabel('Log in as').selectOption(openId);
  await page.getByRole('button', { name: 'Authorize' }).click();
  await page.waitForURL((url) => url.pathname === '/accounts' && url.searchParams.has('accountId'));
  const accountId = new URL(page.url()).searchParams.get('accountId') as string;
  accountIds.set(creator.username, accountId);
  return accountId;
}

async function openComposer(accountId: string) {
  await page.goto(`${fleet.baseUrl}/post?accountId=${accountId}`);
  await page.getByTestId('creator-nickname').waitFor();
}

const postButton = () => page.getByRole('button', { name: /^(Post to TikTok|Send to inbox)$/ });
const reasons = () => seen(page.getByTestId('submit-reasons'));

describe('the integration page', () => {
  test('signed out it sends to the sign-in form, which refuses a wrong password', async () => {
    await page.goto(`${fleet.baseUrl}/accounts`);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('Username').fill('operator');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Wrong username or password.').waitFor();
    await signIn(page, fleet.baseUrl);
    await page.getByRole('heading', { name: 'Accounts', level: 1 }).waitFor();
  });

  test('Connect TikTok runs the real OAuth redirects and highlights the new account', async () => {
    const accountId = await connectThroughPage({ username: 'fleet.demo', nickname: 'Fleet Demo' });
    const card = page.locator(`#account-${accountId}`);
    await expect.poll(() => card.getAttribute('class')).toContain('card-highlighted');
    expect(await seen(card.getByRole('heading'))).toBe('Fleet Demo');
    expect(await seen(card)).toContain('@fleet.demo');
    expect(await seen(card)).toContain('active');
    expect(await seen(card)).toContain('video.publish');
    expect(await seen(page.getByRole('status'))).toContain('Connected Fleet Demo');
    await checkPage(page, 'accounts');
  });

  test('Deny on TikTok’s authorize page comes back to Accounts with the reason', async () => {
    await page.goto(`${fleet.baseUrl}/accounts`);
    await page.getByRole('button', { name: 'Connect TikTok' }).click();
    await page.waitForURL((url) => url.pathname === '/v2/auth/authorize/');
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL((url) => url.pathname === '/accounts' && url.searchParams.has('error'));
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await seen(alert)).toMatch(/^TikTok did not connect the account: /);
    // Nothing new was connected: the one account of the test before is still the only one.
    await page
      .getByRole('list', { name: 'Connected accounts' })
      .getByRole('listitem')
      .first()
      .waitFor();
    expect(
      await page.getByRole('list', { name: 'Connected accounts' }).getByRole('listitem').count(),
    ).toBe(1);
  });

  test('a fixture video posted with the form reaches published, with its share link and analytics', async () => {
    const accountId = accountIds.get('fleet.demo') as string;
    await openComposer(accountId);
    expect(await seen(page.getByTestId('creator-nickname'))).toBe('Fleet Demo');
    // No privacy is chosen for the creator, and nothing can be posted until one is.
    expect(await page.getByLabel('Who can see this video').inputValue()).toBe('');
    expect(await postButton().isDisabled()).toBe(true);
    expect(await reasons()).toContain('Choose who can see this video.');

    const uploads: string[] = [];
    page.on('request', (r) => r.url().endsWith('/v1/media') && uploads.push(r.method()));
    await page.getByLabel('Video', { exact: true }).setInputFiles(fixture('valid-vertical.mp4'));
    await page.getByLabel('Preview of the chosen video').waitFor();
    await expect.poll(() => seen(page.locator('#video-facts'))).toMatch(/5(\.\d)? s/);
    // TikTok counts UTF-16 code units: the clapper board emoji counts 2.
    await page.getByLabel('Caption').fill('Fleet test 🎬');
    expect(await seen(page.getByTestId('caption-count'))).toBe('13 / 2200');
    await page.getByLabel('Who can see this video').selectOption('PUBLIC_TO_EVERYONE');
    await page.getByLabel('Allow Comment').check();
    expect(await postButton().isEnabled()).toBe(true);
    expect(uploads).toEqual([]);
    await checkPage(page, 'post-form');

    // The upload, slowed to 100 KiB/s in the browser so the bar can be seen moving in bytes.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 100 * 1024,
    });
    await postButton().click();
    const bar = page.getByTestId('upload-progress');
    await page.waitForFunction(
      () => {
        const p = document.querySelector<HTMLProgressElement>('[data-testid="upload-progress"]');
        return p !== null && p.value > 0 && p.value < p.max;
      },
      null,
      { polling: 20, timeout: 10_000 },
    );
    expect(await bar.getAttribute('max')).toBe(
      String(statSync(fixture('valid-vertical.mp4')).size),
    );
    expect(await seen(page.locator('label.bar').first())).toMatch(
      /^Uploading: [\d.]+ kB of [\d.]+ kB$/,
    );
    // Then the post's own progress takes over.
    await page.getByTestId('post-status').waitFor({ timeout: 20_000 });
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    // Every status the page shows on the way, recorded in the page until the post is final.
    await page.waitForFunction(
      () => {
        const shown = document.querySelector('[data-testid="post-status"]')?.textContent ?? '';
        const record = window as unknown as { seenStatuses?: string[] };
        record.seenStatuses ??= [];
        if (shown && record.seenStatuses.at(-1) !== shown) record.seenStatuses.push(shown);
        return shown === 'published' || shown === 'failed';
      },
      null,
      { polling: 50, timeout: 60_000 },
    );
    const statuses = await page.evaluate(
      () => (window as unknown as { seenStatuses: string[] }).seenStatuses,
    );
    expect(uploads).toEqual(['POST']);
    expect(statuses.at(-1)).toBe('published');
    expect(
      (await page.locator('.steps .step-done').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ')),
      'every step up to published is marked done',
    ).toEqual(['validating', 'uploading', 'processing', 'published'].map((s) => `${s} (done)`));
    expect(await page.getByText('Your video is being processed by TikTok').count()).toBe(1);
    const share = page.getByTestId('share-link');
    await share.waitFor();
    const href = (await share.getAttribute('href')) as string;
    expect(href).toMatch(/^https:\/\/www\.tiktok\.com\/@fleet\.demo\/video\/\d{19}(\?|$)/);
    const bytes = await page.getByTestId('tiktok-upload-progress').evaluate((p) => {
      const bar = p as HTMLProgressElement;
      return [bar.value, bar.max];
    });
    expect(bytes[0]).toBe(bytes[1]);
    await checkPage(page, 'post-published');

    // TikTok (the sandbox) received exactly the file's bytes, as a public Direct Post.
    const publishes = await fleet.control<
      { mode: string; privacyLevel: string; sha256: string | null; title: string }[]
    >('GET', '/publishes');
    expect(publishes).toHaveLength(1);
    expect(publishes[0]).toMatchObject({
      mode: 'direct',
      privacyLevel: 'PUBLIC_TO_EVERYONE',
      title: 'Fleet test 🎬',
      sha256: createHash('sha256')
        .update(readFileSync(fixture('valid-vertical.mp4')))
        .digest('hex'),
    });

    // Following the link opens the share URL.
    const [popup] = await Promise.all([context.waitForEvent('page'), share.click()]);
    await popup.waitForLoadState();
    expect(popup.url()).toBe(href);
    await popup.close();

    // Its analytics: numbers from TikTok's Display API, and a chart.
    const [postNumbers] = await Promise.all([
      page.waitForResponse((r) =>
        /^\/v1\/posts\/[^/]+\/analytics$/.test(new URL(r.url()).pathname),
      ),
      page.getByRole('link', { name: 'See its analytics' }).click(),
    ]);
    await page.getByRole('heading', { name: 'This post' }).waitFor();
    await expect
      .poll(() => seen(page.getByTestId('metric-views').first()), { timeout: 20_000 })
      .toMatch(/^\d[\d,]*$/);
    await page.locator('.chart canvas').first().waitFor();
    // The post's chart draws every stored snapshot the API answered with.
    const { history } = (await postNumbers.json()) as { history: unknown[] };
    expect(history.length).toBeGreaterThan(0);
    expect(await page.locator('.chart').first().getAttribute('data-points')).toBe(
      String(history.length),
    );
    // Refresh asks the API again, which answers from its store while the numbers are fresh:
    // TikTok is not asked again.
    const tiktokCalls = async () => {
      const { requests } = await fleet.control<{ requests: Record<string, number> }>(
        'GET',
        '/stats',
      );
      return Object.entries(requests)
        .filter(([endpoint]) => endpoint.startsWith('/v2/video/'))
        .reduce((sum, [, count]) => sum + count, 0);
    };
    const before = await tiktokCalls();
    expect(before).toBeGreaterThan(0);
    const [again] = await Promise.all([
      page.waitForResponse((r) =>
        /\/v1\/accounts\/[^/]+\/analytics$/.test(new URL(r.url()).pathname),
      ),
      page.getByRole('button', { name: 'Refresh' }).click(),
    ]);
    expect(again.status()).toBe(200);
    await expect.poll(() => page.getByRole('button', { name: 'Refresh' }).isEnabled()).toBe(true);
    expect(await tiktokCalls()).toBe(before);
    await checkPage(page, 'analytics');
  }, 90_000);

  test('the posts list and a post’s history timeline', async () => {
    await page.goto(`${fleet.baseUrl}/posts`);
    await page.getByRole('heading', { name: 'Posts', level: 1 }).waitFor();
    const cards = page.getByRole('list', { name: 'Posts, newest first' }).getByRole('listitem');
    await cards.first().waitFor();
    expect(await seen(cards.first())).toContain('Fleet test 🎬');
    await page.getByLabel('Status').selectOption('failed');
    await page.getByText('No post matches.').waitFor();
    await page.getByLabel('Status').selectOption('published');
    await cards.first().getByRole('link', { name: 'Fleet test 🎬' }).waitFor();
    await checkPage(page, 'posts');

    await cards.first().getByRole('link', { name: 'Fleet test 🎬' }).click();
    const timeline = page.getByTestId('timeline');
    await timeline.waitFor();
    const steps = await timeline.locator('.badge').allInnerTexts();
    expect(steps[0]).toBe('queued');
    expect(steps).toEqual(expect.arrayContaining(['validating', 'uploading', 'processing']));
    expect(steps.at(-1)).toBe('published');
    await checkPage(page, 'post-detail');
  }, 60_000);

  test('a draft for the inbox, scheduled with the form, then canceled from the list', async () => {
    const accountId = accountIds.get('fleet.demo') as string;
    await openComposer(accountId);
    await page.getByLabel('Video', { exact: true }).setInputFiles(fixture('valid-vertical.mp4'));
    await page.getByLabel('Send to the creator’s TikTok inbox as a draft').check();
    // TikTok's inbox upload takes the video only: the Direct Post fields are gone.
    await page.getByTestId('draft-hint').waitFor();
    for (const field of ['Caption', 'Who can see this video', 'AI-generated content']) {
      expect(await page.getByLabel(field, { exact: true }).count()).toBe(0);
    }
    await checkPage(page, 'post-form-draft');
    // An hour from now, in the browser's own time zone (what datetime-local means).
    const inAnHour = await page.evaluate(() => {
      const at = new Date(Date.now() + 3_600_000);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
    });
    await page.getByLabel('Post at (optional)').fill(inAnHour);
    await expect.poll(() => postButton().isEnabled()).toBe(true);
    expect(await seen(postButton())).toBe('Send to inbox');
    await postButton().click();
    await expect.poll(() => seen(page.getByTestId('post-status'))).toBe('scheduled');
    const { posts } = await fleet.call<{
      posts: {
        id: string;
        caption: string;
        privacyLevel: string | null;
        mode: string;
        scheduledAt: string;
      }[];
    }>('GET', `/v1/posts?accountId=${accountId}&status=scheduled`);
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({ mode: 'draft', caption: '', privacyLevel: null });
    const delay = Date.parse(posts[0]?.scheduledAt ?? '') - Date.now();
    expect(delay).toBeGreaterThan(50 * 60_000);
    expect(delay).toBeLessThan(61 * 60_000);

    // A draft has no caption: its card is found by the link to the post.
    const draftCard = () =>
      page.getByRole('listitem').filter({
        has: page.locator(`a[href="/posts/${encodeURIComponent(posts[0]?.id ?? '')}"]`),
      });
    await page.goto(`${fleet.baseUrl}/posts?status=scheduled`);
    await draftCard()
      .getByRole('button', { name: /^Cancel/ })
      .click();
    await page.goto(`${fleet.baseUrl}/posts?status=canceled`);
    await draftCard().waitFor();
  });

  test('a photo carousel with TikTok’s photo rules: only Allow Comment, a PNG converted, published', async () => {
    const accountId = accountIds.get('fleet.demo') as string;
    const dir = await mkdtemp(join(tmpdir(), 'tf-web-photos-'));
    const image = (name: string, size: string) =>
      promisify(execFile)('ffmpeg', [
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        `testsrc2=size=${size}:rate=1`,
        '-frames:v',
        '1',
        join(dir, name),
      ]).then(() => join(dir, name));
    const files = await Promise.all([
      image('first.jpg', '864x1080'),
      image('second.png', '640x480'),
      image('third.webp', '1080x1080'),
    ]);
    await openComposer(accountId);
    await page.getByLabel('Photos (1 to 35)').check();
    expect(await seen(page.getByTestId('creator-nickname'))).toBe('Fleet Demo');
    // Photos have comments only: no Duet, no Stitch, and no AI label.
    await expect.poll(() => page.getByLabel('Allow Comment').count()).toBe(1);
    expect(await page.getByLabel('Allow Duet').count()).toBe(0);
    expect(await page.getByLabel('Allow Stitch').count()).toBe(0);
    expect(await page.getByLabel('Allow Comment').isChecked()).toBe(false);
    expect(await page.getByLabel('Who can see these photos').inputValue()).toBe('');
    expect(await seen(page.getByTestId('declaration'))).toBe(TIKTOK.declarationDefault);

    await page.getByLabel('Photos', { exact: true }).setInputFiles(files);
    await expect.poll(() => page.getByTestId('photo-list').getByRole('listitem').count()).toBe(3);
    await expect.poll(() => seen(page.getByTestId('photo-list'))).toContain('864x1080');
    await page.getByLabel('Convert PNG, HEIC and oversized photos to JPEG').uncheck();
    await expect
      .poll(reasons)
      .toContain('Photo 2: PNG becomes a JPEG; allow converting it to JPEG.');
    await page.getByLabel('Convert PNG, HEIC and oversized photos to JPEG').check();
    await page.getByRole('radio', { name: 'Cover' }).nth(2).check();
    await page.getByLabel('Title').fill('Three photos 📸');
    expect(await seen(page.getByTestId('title-count'))).toBe('15 / 90');
    await page.getByLabel('Description').fill('From the page #fleet');
    await page.getByLabel('Who can see these photos').selectOption('PUBLIC_TO_EVERYONE');
    await page.getByLabel('Allow Comment').check();
    await page.getByLabel('Add recommended music (TikTok picks it)').check();
    await expect.poll(() => postButton().isEnabled()).toBe(true);
    await checkPage(page, 'post-photos-form');

    await postButton().click();
    await expect
      .poll(() => seen(page.getByTestId('post-status')), { timeout: 30_000 })
      .toBe('published');
    const { posts } = await fleet.call<{
      posts: Array<{
        caption: string;
        photos: { coverIndex: number; autoAddMusic: boolean; images: unknown[] } | null;
        disableComment: boolean;
      }>;
    }>('GET', `/v1/posts?accountId=${accountId}&status=published`);
    const carousel = posts.find((p) => p.caption === 'Three photos 📸');
    expect(carousel?.photos).toMatchObject({ coverIndex: 2, autoAddMusic: true });
    expect(carousel?.photos?.images).toHaveLength(3);
    expect(carousel?.disableComment).toBe(false);
    await rm(dir, { recursive: true, force: true });
  });

  test('a video the fleet converted first shows `preparing` among its steps', async () => {
    const accountId = accountIds.get('fleet.demo') as string;
    const path = await fleet.uploadFixture('wrong-container.avi');
    const post = await fleet.call<{ id: string }>('POST', '/v1/posts', {
      accountId,
      video: { path },
      caption: 'Converted first',
      privacyLevel: 'SELF_ONLY',
      prepare: 'auto',
    });
    await page.goto(`${fleet.baseUrl}/posts/${post.id}`);
    const steps = page.locator('.steps .step');
    // The detail page follows the post: the last step turns done once it is published.
    await expect
      .poll(() => page.locator('.steps .step-done').allInnerTexts(), { timeout: 30_000 })
      .toContainEqual(expect.stringMatching(/^published/));
    expect((await steps.allInnerTexts()).map((t) => t.trim().split(/\s/)[0])).toEqual([
      'preparing',
      'validating',
      'uploading',
      'processing',
      'published',
    ]);
    expect(await page.locator('.steps .step-done').count()).toBe(5);
  });

  test('a failed post shows TikTok’s reason and what to do, in the list and on the fleet page', async () => {
    const accountId = accountIds.get('fleet.demo') as string;
    const path = await fleet.uploadFixture('valid-vertical.mp4');
    await fleet.control('POST', '/faults', { failReason: 'internal' });
    const post = await fleet.call<{ id: string }>('POST', '/v1/posts', {
      accountId,
      video: { path },
      caption: 'Doomed',
      privacyLevel: 'PUBLIC_TO_EVERYONE',
    });
    const failed = () =>
      fleet.call<{ status: string; error: { code: string; message: string } }>(
        'GET',
        `/v1/posts/${post.id}`,
      );
    await expect.poll(async () => (await failed()).status, { timeout: 20_000 }).toBe('failed');
    const { error } = await failed();
    await page.goto(`${fleet.baseUrl}/posts?status=failed`);
    const card = page.getByRole('listitem').filter({ hasText: 'Doomed' });
    await card.waitFor();
    const text = await seen(card);
    expect(text).toContain(error.message);
    expect(text).toContain(`(${error.code})`);
    expect(text).toMatch(/Post again|Try again|Reconnect|Choose another/);
    expect(await card.getByRole('button', { name: /^Cancel/ }).count()).toBe(0);
    await checkPage(page, 'posts-failed');
    await page.goto(`${fleet.baseUrl}/fleet`);
    await page.getByRole('heading', { name: 'Last failures' }).waitFor();
    await expect
      .poll(() => page.getByRole('link', { name: 'The post' }).getAttribute('href'))
      .toBe(`/posts/${post.id}`);
  });

  test('TikTok’s rules for a creator whose settings disable duets and stitches, with a 10 s maximum', async () => {
    const accountId = await connectThroughPage({
      username: 'quiet.creator',
      nickname: 'Quiet Creator',
      duetDisabled: true,
      stitchDisabled: true,
      maxVideoPostDurationSec: 10,
    });
    await openComposer(accountId);
    expect(await seen(page.getByTestId('creator-nickname'))).toBe('Quiet Creator');

    // Interactions: unchecked by default; disabled ones greyed out with the reason.
    for (const name of ['Allow Comment', 'Allow Duet', 'Allow Stitch']) {
      expect(await page.getByLabel(name).isChecked(), name).toBe(false);
    }
    expect(await page.getByLabel('Allow Comment').isEnabled()).toBe(true);
    for (const name of ['Allow Duet', 'Allow Stitch']) {
      const box = page.getByLabel(name);
      expect(await box.isDisabled(), name).toBe(true);
      const reasonId = (await box.getAttribute('aria-describedby')) as string;
      expect(await seen(page.locator(`#${reasonId}`))).not.toBe('');
    }

    // A video over the creator's maximum is refused before a byte is sent.
    const uploads: string[] = [];
    page.on('request', (r) => r.url().endsWith('/v1/media') && uploads.push(r.url()));
    await page.getByLabel('Video', { exact: true }).setInputFiles(fixture('long-12s.mp4'));
    await expect
      .poll(() => seen(page.getByTestId('video-problem')).catch(() => ''))
      .toMatch(/12 s long; this creator can post at most 10 s/);
    await page.getByLabel('Who can see this video').selectOption('PUBLIC_TO_EVERYONE');
    expect(await postButton().isDisabled()).toBe(true);
    await page.getByLabel('Video', { exact: true }).setInputFiles(fixture('valid-vertical.mp4'));
    await expect.poll(() => postButton().isEnabled()).toBe(true);
    expect(uploads).toEqual([]);

    // The disclosure: off by default; on, Publish waits until one of the two is chosen.
    const toggle = page.getByRole('switch');
    expect(await toggle.isChecked()).toBe(false);
    expect(await seen(page.getByTestId('declaration'))).toContain(TIKTOK.declarationDefault);
    await toggle.check();
    expect(await postButton().isDisabled()).toBe(true);
    expect(await seen(page.getByTestId('disclosure-incomplete'))).toBe(TIKTOK.incomplete);
    expect(await reasons()).toContain(TIKTOK.incomplete);
    // ...also as the hover text over the disabled button.
    expect(await postButton().locator('xpath=..').getAttribute('title')).toBe(TIKTOK.incomplete);
    await page.getByLabel(TIKTOK.yourBrand, { exact: true }).check();
    // (Preact clears a title by emptying it: no hover text either way.)
    expect((await postButton().locator('xpath=..').getAttribute('title')) ?? '').toBe('');
    expect(await postButton().isEnabled()).toBe(true);
    expect(await seen(page.getByTestId('declaration'))).toContain(TIKTOK.declarationDefault);
    await checkPage(page, 'post-disclosure');

    // Branded content: the declaration names the Branded Content Policy, and "only me" goes.
    await page.getByLabel(TIKTOK.brandedContent, { exact: true }).check();
    const declaration = page.getByTestId('declaration');
    expect(await seen(declaration)).toContain(TIKTOK.declarationBranded);
    expect(
      await declaration.getByRole('link', { name: 'Branded Content Policy' }).getAttribute('href'),
    ).toBe('https://www.tiktok.com/legal/page/global/bc-policy/en');
    expect(
      await declaration
        .getByRole('link', { name: 'Music Usage Confirmation' })
        .getAttribute('href'),
    ).toBe('https://www.tiktok.com/legal/page/global/music-usage-confirmation/en');
    const onlyMe = page.locator('#privacy option[value="SELF_ONLY"]');
    expect(await onlyMe.isDisabled()).toBe(true);
    expect(await onlyMe.getAttribute('title')).toBe(TIKTOK.brandedNotPrivate);
    await page.getByLabel(TIKTOK.brandedContent, { exact: true }).uncheck();
    expect(await onlyMe.isDisabled()).toBe(false);
    expect(await seen(declaration)).toContain(TIKTOK.declarationDefault);
    expect(await seen(declaration)).not.toContain('Branded Content Policy');

    // ...and the other way round: with "only me" chosen, Branded content cannot be checked.
    await page.getByLabel('Who can see this video').selectOption('SELF_ONLY');
    const branded = page.getByLabel(TIKTOK.brandedContent, { exact: true });
    expect(await branded.isDisabled()).toBe(true);
    expect(await seen(page.locator('#branded-content-description'))).toBe(TIKTOK.brandedNotPrivate);
    await checkPage(page, 'post-rules');
  }, 60_000);

  test('a creator at TikTok’s daily cap is told to try later, and the form stays disabled', async () => {
    await fleet.control('PATCH', '/config', { dailyPostCap: 0 });
    try {
      await openComposer(accountIds.get('fleet.demo') as string);
      const notice = page.getByTestId('cannot-post');
      await notice.waitFor();
      expect(await seen(notice)).toMatch(/cannot post right now/i);
      expect(await seen(notice)).toMatch(/try again/i);
      expect(await page.getByLabel('Who can see this video').isDisabled()).toBe(true);
      expect(await page.getByLabel('Video', { exact: true }).isDisabled()).toBe(true);
      expect(await postButton().isDisabled()).toBe(true);
      await checkPage(page, 'post-cannot-post');
    } finally {
      await fleet.control('PATCH', '/config', { dailyPostCap: 15 });
    }
  });

  test('an account that needs a new authorization is reconnected through TikTok again', async () => {
    const accountId = accountIds.get('fleet.demo') as string;
    // What the worker records when TikTok refuses the refresh token.
    await fleet.accounts().markNeedsReauth(accountId, 'TikTok refused the refresh token.');
    await page.goto(`${fleet.baseUrl}/accounts`);
    const card = page.locator(`#account-${accountId}`);
    await expect.poll(() => seen(card)).toContain('needs reauth');
    expect(await seen(card)).toContain('TikTok refused the refresh token.');
    await checkPage(page, 'accounts-needs-reauth');
    await card.getByRole('button', { name: 'Reconnect' }).click();
    await page.waitForURL((url) => url.pathname === '/v2/auth/authorize/');
    await page.getByLabel('Log in as').selectOption({ label: 'Fleet Demo (@fleet.demo)' });
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.waitForURL((url) => url.searchParams.get('accountId') === accountId);
    await expect.poll(() => seen(card)).toContain('active');
    expect(await card.getByRole('button', { name: 'Reconnect' }).count()).toBe(0);
  });

  test('the fleet page shows the queues, the live workers and a link to Bull Board', async () => {
    await page.goto(`${fleet.baseUrl}/fleet`);
    await page.getByRole('heading', { name: 'Queues' }).waitFor();
    expect(await page.getByRole('rowheader', { name: 'publish' }).count()).toBe(1);
    const workers = await seen(
      page.getByRole('heading', { name: 'Workers alive' }).locator('xpath=..'),
    );
    expect(workers).toMatch(/publish: \d+/);
    const board = page.getByRole('link', { name: 'Open Bull Board' });
    expect(await board.getAttribute('href')).toBe('/admin/queues');
    await checkPage(page, 'fleet');
    // The operator's session opens Bull Board too: no second login.
    const [board200] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/admin/queues'),
      board.click(),
    ]);
    expect(board200.status()).toBe(200);
    await page.getByRole('link', { name: 'publish', exact: true }).first().waitFor();
  });

  test('by keyboard: the skip link, the navigation, the form and the dialog', async () => {
    const focused = () =>
      page.evaluate(() => {
        const element = document.activeElement as HTMLElement | null;
        return { id: element?.id ?? '', text: element?.textContent?.trim() ?? '' };
      });
    await page.goto(`${fleet.baseUrl}/accounts`);
    await page.getByRole('heading', { name: 'Accounts', level: 1 }).waitFor();
    await page.keyboard.press('Tab');
    expect((await focused()).text).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect((await focused()).id).toBe('main');
    await page.keyboard.press('Tab');
    expect((await focused()).text).toBe('Connect TikTok');

    // A link of the navigation, followed by keyboard: the new page's heading gets focus.
    await page.getByRole('link', { name: 'Post to TikTok' }).focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('creator-nickname').waitFor();
    expect((await focused()).text).toBe('Post to TikTok');
    await page.getByLabel('Who can see this video').focus();
    await page.keyboard.press('ArrowDown');
    expect(await page.getByLabel('Who can see this video').inputValue()).not.toBe('');
    await page.getByRole('switch').focus();
    await page.keyboard.press('Space');
    expect(await reasons()).toContain(TIKTOK.incomplete);
    await page.keyboard.press('Tab');
    expect((await focused()).id).toBe('your-brand');
    await page.keyboard.press('Space');
    expect(await reasons()).not.toContain(TIKTOK.incomplete);

    // The confirmation closes with Escape and gives focus back to its button.
    await page.goto(`${fleet.baseUrl}/accounts`);
    const disconnect = page.getByRole('button', { name: 'Disconnect Quiet Creator' });
    await disconnect.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    expect(await disconnect.evaluate((b) => b === document.activeElement)).toBe(true);
  });

  test('when the session ends, the next action leads to the sign-in form and back', async () => {
    // Accounts does not poll, so the click below is the page's first request without a session.
    await page.goto(`${fleet.baseUrl}/accounts?accountId=none`);
    await page.getByRole('heading', { name: 'Accounts', level: 1 }).waitFor();
    await page
      .getByRole('list', { name: 'Connected accounts' })
      .getByRole('listitem')
      .first()
      .waitFor();
    await context.clearCookies();
    await page.getByRole('button', { name: 'Connect TikTok' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/accounts?accountId=none');
    await page.getByLabel('Username').fill('operator');
    await page.getByLabel('Password').fill('correct-horse-battery-staple');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/accounts');
    await page.getByRole('heading', { name: 'Accounts', level: 1 }).waitFor();
  });

  test('Disconnect asks first, then revokes the account', async () => {
    const accountId = accountIds.get('quiet.creator') as string;
    await page.goto(`${fleet.baseUrl}/accounts`);
    const card = page.locator(`#account-${accountId}`);
    await card.getByRole('button', { name: 'Disconnect Quiet Creator' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disconnect Quiet Creator?' });
    await dialog.waitFor();
    await checkPage(page, 'accounts-disconnect');
    await dialog.getByRole('button', { name: 'Keep it' }).click();
    expect(await seen(card)).toContain('active');
    await card.getByRole('button', { name: 'Disconnect Quiet Creator' }).click();
    await dialog.getByRole('button', { name: 'Disconnect' }).click();
    await expect.poll(() => seen(card)).toContain('revoked');
  });
});
