import { ApiError } from './errors';
import type { SandboxState } from './state';

/**
 * TikTok's per-minute limits, per user access token and endpoint (docs/tiktok-api.md, Rate limits).
 * Whether the Display API limit is per app or per token is not documented; the sandbox keys every
 * limit by token. Cancel has no documented limit, so none is enforced.
 */
export const perMinuteLimits: Record<string, number> = {
  '/v2/post/publish/video/init/': 6,
  '/v2/post/publish/inbox/video/init/': 6,
  '/v2/post/publish/content/init/': 6,
  '/v2/post/publish/creator_info/query/': 20,
  '/v2/post/publish/status/fetch/': 30,
  '/v2/user/info/': 600,
  '/v2/video/list/': 600,
  '/v2/video/query/': 600,
};

const windowMs = 60_000;

const initEndpoints = new Set([
  '/v2/post/publish/video/init/',
  '/v2/post/publish/inbox/video/init/',
  '/v2/post/publish/content/init/',
]);

export function rateLimitError(detail: string): ApiError {
  return new ApiError('rate_limit_exceeded', 429, `The API rate limit was exceeded. ${detail}`);
}

/**
 * One-minute sliding window: the request is allowed when fewer than `limit` requests were
 * accepted in the last 60 s. Refused requests are not recorded, so a client that backs off
 * gets through as soon as the oldest request leaves the window.
 */
export function checkRateLimit(state: SandboxState, token: string, endpoint: string): void {
  if (state.faults.takeRateLimit(endpoint)) {
    state.violation('rate_limit_exceeded', `${endpoint} (injected fault)`);
    throw rateLimitError('Please try again later.');
  }
  // A rate fault is TikTok's own hiccup, not a rule the client broke: no violation.
  if (initEndpoints.has(endpoint) && state.rollFault('init429')) {
    throw rateLimitError('Please try again later.');
  }
  const limit = perMinuteLimits[endpoint];
  if (!state.config.rateLimits || limit === undefined) return;
  const key = `${token}\n${endpoint}`;
  const now = state.clock.now();
  const times = (state.windows.get(key) ?? []).filter((t) => t > now - windowMs);
  if (times.length >= limit) {
    state.windows.set(key, times);
    state.violation('rate_limit_exceeded', `${endpoint}: more than ${limit} requests in 60 s`);
    throw rateLimitError(`This endpoint allows ${limit} requests per minute per access token.`);
  }
  times.push(now);
  state.windows.set(key, times);
}
