import { camelizeObject } from '../camelize';
import type { ClientContext } from '../context';
import { TikTokApiError } from '../errors';
import { isRecord, toIdString, toNumber } from '../json';
import { ResearchBudgetExhaustedError, type WithBudget } from './budget-error';
import { parseResearchDay, RESEARCH_WINDOW_DAYS } from './date-windows';

export const RESEARCH_VIDEO_QUERY_PATH = '/v2/research/video/query/';
export const MAX_RESEARCH_COUNT = 100;
/** TikTok's default page size (docs/tiktok-api.md, Research API). */
const DEFAULT_RESEARCH_COUNT = 20;

// Deliberate copy in apps/tiktok-sandbox/src/research-query.ts (operations, fieldNames): the sandbox must not import the client.
export const RESEARCH_OPERATIONS = ['EQ', 'IN', 'GT', 'GTE', 'LT', 'LTE'] as const;
export type ResearchOperation = (typeof RESEARCH_OPERATIONS)[number];

/** The fields a condition may test (docs/tiktok-api.md, Research API). */
export const RESEARCH_CONDITION_FIELDS = [
  'create_date',
  'username',
  'region_code',
  'video_id',
  'hashtag_name',
  'keyword',
  'music_id',
  'effect_id',
  'video_length',
  'view_count',
  'comment_count',
] as const;

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

// Deliberate copy in apps/tiktok-sandbox/src/research.ts (researchFields): the sandbox must not import the client.
/** Every field of a research video object (docs/tiktok-api.md, Research API). */
export const RESEARCH_VIDEO_FIELDS = [
  'id',
  'create_time',
  'username',
  'region_code',
  'video_description',
  'music_id',
  'like_count',
  'comment_count',
  'share_count',
  'view_count',
  'favorites_count',
  'effect_ids',
  'hashtag_names',
  'hashtag_info_list',
  'sticker_info_list',
  'effect_info_list',
  'video_mention_list',
  'video_label',
  'playlist_id',
  'voice_to_text',
  'is_stem_verified',
  'video_duration',
  'video_tag',
] as const;

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

export interface ResearchVideoPage extends WithBudget {
  videos: ResearchVideo[];
  cursor: number | undefined;
  hasMore: boolean;
  searchId: string | undefined;
}

/**
 * Queries public videos with a client token. One request, and room for `maxCount` records,
 * are taken from the daily budget before anything is sent (fewer records left: a smaller
 * page is asked for); a spent budget fails fast with `research_daily_quota_exhausted`.
 */
export async function queryResearchVideos(
  ctx: ClientContext,
  clientToken: string,
  q: ResearchVideoQuery,
): Promise<ResearchVideoPage> {
  validate(q);
  const wanted = q.isRandom ? MAX_RESEARCH_COUNT : (q.maxCount ?? DEFAULT_RESEARCH_COUNT);
  const reservation = await ctx.researchBudget.reserve(ctx.now(), wanted);
  if (!reservation.allowed) {
    throw new ResearchBudgetExhaustedError(RESEARCH_VIDEO_QUERY_PATH, reservation);
  }
  let received = 0;
  try {
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
        max_count: reservation.grantedRecords,
        cursor: q.cursor,
        search_id: q.searchId,
        is_random: q.isRandom,
      },
    });
    const list = Array.isArray(data.videos) ? data.videos.filter(isRecord) : [];
    received = list.length;
    const page = {
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
    return { ...page, budget: await ctx.researchBudget.settle(reservation, received) };
  } catch (error) {
    // The request reached TikTok (or may have): it stays counted; its records do not.
    if (received === 0) await ctx.researchBudget.settle(reservation, 0).catch(() => undefined);
    throw error;
  }
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
  const start = parseResearchDay(q.startDate);
  const end = parseResearchDay(q.endDate);
  if (start === undefined || end === undefined) {
    return 'start_date and end_date must be real dates written YYYYMMDD.';
  }
  const days = (end - start) / 86_400_000;
  if (days < 0) return 'end_date is before start_date.';
  if (days > RESEARCH_WINDOW_DAYS)
    return `end_date may be at most ${RESEARCH_WINDOW_DAYS} days after start_date.`;
  const n = q.maxCount;
  if (n !== undefined && (!Number.isInteger(n) || n < 1 || n > MAX_RESEARCH_COUNT)) {
    return `max_count must be 1 to ${MAX_RESEARCH_COUNT}, got ${n}.`;
  }
  return undefined;
}
