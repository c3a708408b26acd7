import { fleetMetrics } from '@tiktok-fleet/observability';
import { isTikTokApiError } from '@tiktok-fleet/tiktok';
import { limiterEndpointOf } from './limiter-endpoint';

/**
 * Counts a job put back because TikTok itself said a limit is spent: a per-minute rate
 * limit (429) or a 24 h posting cap. The fleet's own limits count where they are checked.
 */
export function recordTikTokWait(error: unknown): void {
  if (!isTikTokApiError(error)) return;
  if (error.action === 'wait_rate_limit') {
    fleetMetrics.rateLimitWait(limiterEndpointOf(error.endpoint), 'tiktok');
  } else if (error.action === 'wait_daily_cap') {
    fleetMetrics.dailyCapDeferral('tiktok');
  }
}
