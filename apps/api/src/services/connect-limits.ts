import { createHash } from 'node:crypto';
import type { ApiConfig } from '../config';
import type { ApiContext } from '../context';
import { ApiError } from '../errors';

const MINUTE_MS = 60_000;

/**
 * Connect starts per minute, per API key and per owner (CONNECT_RATE_LIMIT_PER_MINUTE):
 * each start stores an OAuth state in Redis, so a loop of them must be told to wait.
 */
export async function checkConnectRate(
  ctx: ApiContext,
  caller: { key: string; ownerId: string },
): Promise<void> {
  const limit = ctx.config.CONNECT_RATE_LIMIT_PER_MINUTE;
  const owner = createHash('sha256').update(caller.ownerId).digest('hex').slice(0, 32);
  for (const [scope, id] of [
    ['key', caller.key],
    ['owner', owner],
  ] as const) {
    const decision = await ctx.limiter.acquire(`connect:${scope}:${id}`, limit, MINUTE_MS);
    if (!decision.ok) {
      const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      throw new ApiError(
        429,
        'connect_rate_limited',
        `Too many connect flows started for this ${scope === 'key' ? 'API key' : 'owner'}: at ` +
          `most ${limit} a minute (CONNECT_RATE_LIMIT_PER_MINUTE). Try again in ${seconds} s.`,
        { retryAfterSeconds: seconds },
        { 'retry-after': String(seconds) },
      );
    }
  }
}

const badRedirect = (field: string, problem: string) =>
  new ApiError(400, 'redirect_not_allowed', `${field} ${problem}.`, [{ field, problem }]);

/**
 * Where a connect flow may send the browser afterwards: this site (BACKEND_URL's origin) or
 * an origin of CONNECT_REDIRECT_ORIGINS, https outside development, and never with
 * credentials in it (`https://user:pass@host/` is a classic way to dress up a redirect).
 * Anything else would make the callback an open redirect.
 */
export function checkRedirectTo(
  config: Pick<ApiConfig, 'BACKEND_URL' | 'CONNECT_REDIRECT_ORIGINS' | 'NODE_ENV'>,
  redirectTo: string,
  field = 'redirectTo',
): void {
  let url: URL;
  try {
    url = new URL(redirectTo);
  } catch {
    throw badRedirect(field, 'must be an absolute http or https URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw badRedirect(field, 'must be an absolute http or https URL');
  }
  if (url.username || url.password) {
    throw badRedirect(field, 'must not carry a user name or password (user:pass@)');
  }
  if (url.origin === new URL(config.BACKEND_URL).origin) return;
  if (url.protocol !== 'https:' && config.NODE_ENV !== 'development') {
    throw badRedirect(field, 'must be an https URL (http only in development)');
  }
  const allowed = config.CONNECT_REDIRECT_ORIGINS.split(',')
    .map((origin) => origin.trim().replace(/\/$/, ''))
    .filter(Boolean);
  if (!allowed.includes(url.origin)) {
    throw badRedirect(
      field,
      `must be on this site or on an origin listed in CONNECT_REDIRECT_ORIGINS (${
        allowed.length > 0 ? allowed.join(', ') : 'none listed'
      }), not ${url.origin}`,
    );
  }
}
