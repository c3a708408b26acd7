import type { AccountTokens } from '@tiktok-fleet/db';
import { fleetMetrics } from '@tiktok-fleet/observability';
import { type TikTokEndpoint, tiktokLimiterKey } from '@tiktok-fleet/queue';
import { isTikTokApiError } from '@tiktok-fleet/tiktok';
import type { WorkerContext } from './deps';
import { DeferRequest } from './errors';
import { ensureFreshAccessToken } from './tokens/ensure-fresh-token';

/**
 * One job's calls to TikTok for one account: a fresh access token, TikTok's per-minute
 * limits counted before each call (shared by every worker through Redis), and one refresh
 * when TikTok refuses the token anyway (revoked early, clock skew).
 */
export class TikTokSession {
  #accessToken: string;
  #refreshed = false;
  /** Endpoints whose next call was counted already (daily-slot.ts takes the init's). */
  readonly #counted = new Set<TikTokEndpoint>();

  private constructor(
    private readonly ctx: WorkerContext,
    readonly accountId: string,
    accessToken: string,
  ) {
    this.#accessToken = accessToken;
  }

  /** `tokens`: the account's tokens as the job just read them (else they are read here). */
  static async open(
    ctx: WorkerContext,
    accountId: string,
    tokens?: AccountTokens | null,
  ): Promise<TikTokSession> {
    const token = await ensureFreshAccessToken(ctx, accountId, {
      leadSec: ctx.settings.onDemandRefreshLeadSec,
      ...(tokens && { tokens }),
    });
    return new TikTokSession(ctx, accountId, token);
  }

  /**
   * Calls TikTok with the account's token. Throws DeferRequest when the account's
   * per-minute budget for `endpoint` is spent, so the job waits instead of TikTok
   * answering 429.
   */
  async call<T>(endpoint: TikTokEndpoint, call: (accessToken: string) => Promise<T>): Promise<T> {
    for (;;) {
      if (!this.#counted.delete(endpoint)) await this.take(endpoint);
      try {
        return await call(this.#accessToken);
      } catch (error) {
        if (!isTikTokApiError(error) || error.action !== 'refresh_token' || this.#refreshed) {
          throw error;
        }
        this.#refreshed = true;
        this.#accessToken = await ensureFreshAccessToken(this.ctx, this.accountId, {
          leadSec: this.ctx.settings.onDemandRefreshLeadSec,
          staleToken: this.#accessToken,
        });
      }
    }
  }

  /** Like `call`, but answers undefined instead of waiting when the budget is spent. */
  async tryCall<T>(
    endpoint: TikTokEndpoint,
    call: (accessToken: string) => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await this.call(endpoint, call);
    } catch (error) {
      if (error instanceof DeferRequest) return undefined;
      throw error;
    }
  }

  async take(endpoint: TikTokEndpoint): Promise<void> {
    const { limit, windowMs } = this.ctx.settings.rateLimits[endpoint];
    const decision = await this.ctx.limiter.acquire(
      tiktokLimiterKey(this.accountId, endpoint),
      limit,
      windowMs,
    );
    if (!decision.ok) throw this.limitSpent(endpoint, decision.retryAfterMs);
  }

  /**
   * The next call to `endpoint` was counted against its limit already, by a script that
   * took it with something else in one command (the init's, with the daily slot).
   */
  counted(endpoint: TikTokEndpoint): void {
    this.#counted.add(endpoint);
  }

  /** The wait for a spent per-minute budget, as the job defers it. */
  limitSpent(endpoint: TikTokEndpoint, retryAfterMs: number): DeferRequest {
    fleetMetrics.rateLimitWait(endpoint, 'fleet');
    // A little extra so that the jobs of one account do not all come back at once.
    const delay = retryAfterMs + Math.round(Math.random() * 1000);
    return new DeferRequest(
      delay,
      'fleet_rate_limit',
      `the fleet's count of TikTok's per-minute limit for ${endpoint} calls of account ${this.accountId} is spent`,
    );
  }
}
