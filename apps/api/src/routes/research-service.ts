import { fleetMetrics, registerResearchBudget } from '@tiktok-fleet/observability';
import { DailyResearchBudget, SharedClientToken } from '@tiktok-fleet/queue';
import {
  createTikTokClient,
  formatResearchDay,
  isTikTokApiError,
  parseResearchDay,
  RESEARCH_USER_FIELDS,
  RESEARCH_USER_INFO_PATH,
  RESEARCH_VIDEO_QUERY_PATH,
  ResearchBudgetExhaustedError,
  splitResearchRange,
  type TikTokClient,
} from '@tiktok-fleet/tiktok';
import type { ApiContext } from '../context';
import { ApiError } from '../errors';
import {
  decodeCursor,
  encodeCursor,
  queryFingerprint,
  type ResearchPosition,
} from './research-cursor';
import { budgetView, researchApiError } from './research-errors';
import type { ResearchQueryBody } from './research-schemas';

const isoDay = (yyyymmdd: string) =>
  `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;

/**
 * The Research API behind the fleet: one client-credentials token shared in Redis, the daily
 * budget counted in Redis by every process before each request, and long ranges walked as
 * TikTok's 30-day windows (docs/tiktok-api.md, Research API).
 */
export function createResearchService(ctx: ApiContext) {
  const now = () => new Date(ctx.now());
  const budget = new DailyResearchBudget(ctx.redis, {
    prefix: ctx.prefix,
    requestLimit: ctx.config.RESEARCH_DAILY_REQUEST_LIMIT,
    recordLimit: ctx.config.RESEARCH_DAILY_RECORD_LIMIT,
  });
  const client: TikTokClient = createTikTokClient({
    clientKey: ctx.config.TIKTOK_CLIENT_KEY,
    clientSecret: ctx.config.TIKTOK_CLIENT_SECRET,
    apiBaseUrl: ctx.config.TIKTOK_API_BASE_URL,
    authUrl: ctx.config.TIKTOK_AUTH_URL,
    researchBudget: budget,
    now,
    onCall: fleetMetrics.tiktokCall,
  });
  const token = new SharedClientToken(ctx.redis, {
    prefix: ctx.prefix,
    now: ctx.now,
    seal: (plaintext) => ctx.cipher.encrypt(plaintext),
    open: (sealed) => ctx.cipher.decrypt(sealed),
  });
  const unregister = registerResearchBudget(ctx.prefix, () => budget.usage(now()));

  /**
   * Refuses a spent budget before the token is looked at, so a refused request reaches
   * TikTok in no way (the client's atomic reservation still decides for requests that pass).
   */
  async function refuseWhenSpent(endpoint: string, records: boolean): Promise<void> {
    const usage = await budget.usage(now());
    const spent =
      usage.requests.used >= usage.requests.limit ||
      (records && usage.records.used >= usage.records.limit);
    if (spent) throw new ResearchBudgetExhaustedError(endpoint, usage);
  }

  /** Runs `call` with the shared token; a token TikTok refused is renewed once. */
  async function withToken<T>(call: (token: string) => Promise<T>): Promise<T> {
    const first = await token.get(() => client.getClientToken());
    try {
      return await call(first);
    } catch (error) {
      if (!isTikTokApiError(error) || error.action !== 'refresh_token') throw error;
      await token.forget(first);
      return call(await token.get(() => client.getClientToken()));
    }
  }

  return {
    budget,

    async queryVideos(body: ResearchQueryBody) {
      const start = parseResearchDay(body.startDate);
      const end = parseResearchDay(body.endDate);
      if (start === undefined || end === undefined || end < start) {
        throw new ApiError(
          400,
          'research_query_invalid',
          'startDate and endDate must be real UTC days (YYYY-MM-DD), endDate not before startDate.',
        );
      }
      const windows = splitResearchRange(start, end);
      const fingerprint = queryFingerprint({
        query: body.query,
        start: formatResearchDay(start),
        end: formatResearchDay(end),
        fields: body.fields ?? null,
        isRandom: body.isRandom ?? false,
      });
      const at: ResearchPosition = body.cursor
        ? decodeCursor(body.cursor, fingerprint, windows.length)
        : { window: 0, cursor: 0 };
      const window = windows[at.window] as (typeof windows)[number];
      const page = await refuseWhenSpent(RESEARCH_VIDEO_QUERY_PATH, true)
        .then(() =>
          withToken((clientToken) =>
            client.queryResearchVideos(clientToken, {
              query: body.query,
              startDate: window.startDate,
              endDate: window.endDate,
              maxCount: body.maxCount,
              cursor: at.cursor > 0 ? at.cursor : undefined,
              searchId: at.searchId,
              isRandom: body.isRandom,
              // The id is what a caller pages and dedupes by: always asked for.
              fields: body.fields && [...new Set(['id' as const, ...body.fields])],
            }),
          ),
        )
        .catch((error) => researchApiError(error, 'videos', ctx.now()));

      let next: ResearchPosition | null = null;
      if (page.hasMore && page.cursor !== undefined && page.cursor > at.cursor) {
        next = { window: at.window, cursor: page.cursor, searchId: page.searchId };
      } else if (at.window + 1 < windows.length) {
        next = { window: at.window + 1, cursor: 0 };
      }
      return {
        usage: page.budget,
        body: {
          videos: page.videos,
          nextCursor: next ? encodeCursor(fingerprint, next) : null,
          window: {
            startDate: isoDay(window.startDate),
            endDate: isoDay(window.endDate),
            index: at.window,
            count: windows.length,
          },
          budget: budgetView(page.budget),
        },
      };
    },

    async user(username: string) {
      const name = username.replace(/^@/, '');
      const user = await refuseWhenSpent(RESEARCH_USER_INFO_PATH, false)
        .then(() =>
          withToken((clientToken) =>
            client.queryResearchUser(clientToken, name, RESEARCH_USER_FIELDS),
          ),
        )
        .catch((error) => researchApiError(error, 'user', ctx.now()));
      const { budget: usage, ...profile } = user;
      return { usage, body: { username: name, ...profile, budget: budgetView(usage) } };
    },

    close() {
      unregister();
      client.close();
    },
  };
}

export type ResearchService = ReturnType<typeof createResearchService>;
