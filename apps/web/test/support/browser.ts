import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { launchChromium } from '@tiktok-fleet/testing/browser';
import type { Browser, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { OPERATOR, repoRoot } from './fleet';

export const SCREENSHOTS = join(repoRoot, '.tmp', 'screenshots');
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export async function launch(): Promise<Browser> {
  await mkdir(SCREENSHOTS, { recursive: true });
  return await launchChromium();
}

/** Signs in through the form, as a person would; lands where `next` says. */
export async function signIn(page: Page, baseUrl: string, path = '/accounts'): Promise<void> {
  await page.goto(`${baseUrl}${path}`);
  await expect.poll(() => new URL(page.url()).pathname).toBe('/login');
  await page.getByLabel('Username').fill(OPERATOR.username);
  await page.getByLabel('Password').fill(OPERATOR.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await expect.poll(() => new URL(page.url()).pathname).toBe(path);
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** axe-core's serious and critical findings on the page as it is now. */
async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: axePath });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (context: Document) => Promise<{ violations: AxeViolation[] }> };
      }
    ).axe;
    const result = await axe.run(document);
    return result.violations;
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * Screenshots at a phone's 375 px and a desktop's 1280 px (kept under .tmp/screenshots),
 * with axe-core run at each width: no serious or critical violation is allowed.
 */
export async function checkPage(page: Page, name: string): Promise<void> {
  for (const width of [375, 1280]) {
    await page.setViewportSize({ width, height: width === 375 ? 812 : 900 });
    // Let layout settle on the new width (the chart resizes on ResizeObserver).
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
    const violations = await seriousViolations(page);
    expect(
      violations.map(
        (v) =>
          `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
      ),
      `axe on ${name} at ${width} px`,
    ).toEqual([]);
    // Nothing wider than the screen: no sideways scrolling on a phone.
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, `${name} at ${width} px scrolls sideways`).toBeLessThanOrEqual(0);
  }
}

/** The text a person sees in an element (CSS-hidden parts left out), as Playwright reads it. */
export function seen(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText, not the DOM's
  return locator.innerText();
}
