import { expect } from 'vitest';
import type { TestApi } from './harness';

/**
 * Connects a sandbox creator through the real redirects: POST /v1/accounts/connect, the
 * sandbox's authorize page (auto-approve), then the API's callback. Returns the callback's
 * final redirect.
 */
export async function connectThroughOAuth(
  api: TestApi,
  options: { key?: string; openId?: string | null; redirectTo?: string } = {},
) {
  await api.sandboxControl('PATCH', '/_sandbox/config', {
    autoApprove: true,
    autoApproveOpenId: options.openId ?? null,
  });
  const started = await api.call('POST', '/v1/accounts/connect', {
    key: options.key,
    json: { redirectTo: options.redirectTo ?? 'https://backend.example/tiktok/done?tab=accounts' },
  });
  expect(started.status).toBe(200);
  const authorize = await fetch(started.body.authorizeUrl, { redirect: 'manual' });
  expect(authorize.status).toBe(302);
  const callbackUrl = authorize.headers.get('location') ?? '';
  expect(callbackUrl.startsWith(`${api.baseUrl}/api/integrations/tiktok/callback?`)).toBe(true);
  const callback = await fetch(callbackUrl, { redirect: 'manual' });
  const location = new URL(callback.headers.get('location') ?? 'about:blank');
  return { started: started.body, callbackUrl, callback, location };
}

/** A connected account's id, for tests that need one. */
export async function connectedAccountId(api: TestApi, key?: string): Promise<string> {
  const { location } = await connectThroughOAuth(api, { key });
  const accountId = location.searchParams.get('accountId');
  if (!accountId) throw new Error(`connect failed: ${location}`);
  return accountId;
}
