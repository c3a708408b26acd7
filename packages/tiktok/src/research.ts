import { camelizeObject } from './camelize';
import type { ClientContext } from './context';
import { TikTokApiError } from './errors';
import { isRecord, toIdString, toNumber } from './json';

export const RESEARCH_VIDEO_QUERY_PATH = '/v2/research/video/query/';
export const MAX_RESEARCH_COUNT = 100;
const MAX_RANGE_DAYS = 30;

export type ResearchOperation = 'EQ' | 'IN' | 'GT' | 'GTE' | 'LT' | 'LTE';

export interface ResearchCondition {
  operation: ResearchOperation;
  /** e.g. `region_code`, `hashtag_name`, `keyword`, `create_date`, `video_length`. */
  fieldName: string;
  fieldValues: string[];
}

export interface ResearchVideoQuery {
  query: { and?: ResearchCondition[]; or?: ResearchCondition[]; not?: ResearchCondition[] };
  /** `YYYYMMDD`, UTC. */
  startDate: string;
  /** `YYYYMMDD`, at most 30 days after startDate. */
  endDate: string;
  maxCount?: number;
  cursor?: number;
  searchId?: string;
  isRandom?: boolean;
  fields?: readonly string[];
}

// Deliberate copy in apps/tiktok-sandbox/src/research.ts: the sandbox must not import the client.
export const DEFAULT_RESEARCH_FIELDS = [
  'id',
  'create_time',
  'username',
  'region_code',
  'video_description',
  'like_count',
  'comment_count',
  'share_count',
  'view_count',
  'hashtag_names',
] as const;

export interface ResearchVideo extends Record<string, unknown> {
  /** Exact decimal string (TikTok's example names it `video_id`; both are read). */
  id: string;
}

export interface ResearchVideoPage {
  videos: ResearchVideo[];
  cursor: number | undefined;
  hasMore: boolean;
  searchId: string | undefined;
}

/**
 * Queries public videos with a client token. One request is taken from the daily budget
 * before anything is sent; a spent budget fails fast with `research_daily_quota_exhausted`.
 */
export async function queryResearchVideos(
  ctx: ClientContext,
  clientToken: string,
  q: ResearchVideoQuery,
): Promise<ResearchVideoPage> {
  validate(q);
  const decision = await ctx.researchBudget.take(ctx.now());
  if (!decision.allowed) {
    throw new TikTokApiError({
      code: 'research_daily_quota_exhausted',
      endpoint: RESEARCH_VIDEO_QUERY_PATH,
      description: `The Research API’s daily budget of ${decision.limit} requests is spent; it resets at ${decision.resetsAt.toISOString()}.`,
    });
  }
  const data = await ctx.http.envelope(RESEARCH_VIDEO_QUERY_PATH, {
    method: 'POST',
    accessToken: clientToken,
    query: { fields: (q.fields ?? DEFAULT_RESEARCH_FIELDS).join(',') },
    body: {
      query: {
        and: conditions(q.query.and),
        or: conditions(q.query.or),
        not: conditions(q.query.not),
      },
      start_date: q.startDate,
      end_date: q.endDate,
      max_count: q.maxCount,
      cursor: q.cursor,
      search_id: q.searchId,
      is_random: q.isRandom,
    },
  });
  const list = Array.isArray(data.videos) ? data.videos.filter(isRecord) : [];
  return {
    videos: list.map((raw) => {
      const video = camelizeObject(raw);
      const id = toIdString(raw.id) ?? toIdString(raw.video_id) ?? '';
      delete video.videoId;
      return { ...video, id };
    }),
    cursor: toNumber(data.cursor),
    hasMore: data.has_more === true,
    searchId: typeof data.search_id === 'string' ? data.search_id : undefined,
  };
}

function conditions(list: ResearchCondition[] | undefined) {
  if (!list || list.length === 0) return undefined;
  return list.map((c) => ({
    operation: c.operation,
    field_name: c.fieldName,
    field_values: c.fieldValues,
  }));
}

/** Refuses locally what TikTok would refuse, before a request is taken from the budget. */
function validate(q: ResearchVideoQuery): void {
  const problem = findProblem(q);
  if (problem) {
    throw new TikTokApiError({
      code: 'invalid_params',
      endpoint: RESEARCH_VIDEO_QUERY_PATH,
      description: problem,
    });
  }
}

function findProblem(q: ResearchVideoQuery): string | undefined {
  const { and = [], or = [], not = [] } = q.query;
  if (and.length + or.length + not.length === 0) {
    return 'A research query needs at least one condition.';
  }
  const start = parseDay(q.startDate);
  const end = parseDay(q.endDate);
  if (start === undefined || end === undefined) {
    return 'start_date and end_date must be real dates written YYYYMMDD.';
  }
  const days = (end - start) / 86_400_000;
  if (days < 0) return 'end_date is before start_date.';
  if (days > MAX_RANGE_DAYS)
    return `end_date may be at most ${MAX_RANGE_DAYS} days after start_date.`;
  const n = q.maxCount;
  if (n !== undefined && (!Number.isInteger(n) || n < 1 || n > MAX_RESEARCH_COUNT)) {
    return `max_count must be 1 to ${MAX_RESEARCH_COUNT}, got ${n}.`;
  }
  return undefined;
}

function parseDay(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d)
    return undefined;
  return t;
}
