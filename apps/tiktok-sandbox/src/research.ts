import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { authenticate, requireScope } from './auth';
import type { SandboxContext } from './context';
import { videoCounts, videoDuration } from './engagement';
import { ApiError, invalidParams, sendOk } from './errors';
import { type Candidate, hashtags, matches, parseQuery } from './research-query';
import type { SandboxState } from './state';
import { parseFields } from './video-object';

const researchPath = '/v2/research/video/query/';
/** Research quotas, reset at 00:00 UTC (docs/tiktok-api.md, Research API). */
const dailyRequests = 1000;
const dayMs = 24 * 60 * 60_000;

// Deliberate copy of packages/tiktok/src/research.ts: the sandbox must not import the client.
const researchFields = [
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
];

function parseDate(value: unknown, name: string): number {
  const match = typeof value === 'string' ? /^(\d{4})(\d{2})(\d{2})$/.exec(value) : null;
  const ms = match
    ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))
    : Number.NaN;
  if (!match || Number.isNaN(ms) || new Date(ms).getUTCDate() !== Number(match[3])) {
    throw invalidParams(`${name} must be a date written YYYYMMDD.`);
  }
  return ms;
}

function integer(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalidParams(`${name} must be an integer from ${min} to ${max}.`);
  }
  return value;
}

/** Counts the request against the daily budget; over it, TikTok answers 429. */
function spendBudget(state: SandboxState): void {
  const day = new Date(state.clock.now()).toISOString().slice(0, 10);
  if (state.researchDay.day !== day) state.researchDay = { day, requests: 0 };
  if (state.config.rateLimits && state.researchDay.requests >= dailyRequests) {
    state.violation('rate_limit_exceeded', `${researchPath}: over ${dailyRequests} requests today`);
    throw new ApiError(
      'rate_limit_exceeded',
      429,
      `The daily quota of ${dailyRequests} Research API requests is used up; it resets at 00:00 UTC.`,
    );
  }
  state.researchDay.requests += 1;
}

function researchVideo(c: Candidate, fields: string[]) {
  const id = c.publish.postId ?? 0n;
  const postedAt = c.publish.completedAt ?? c.publish.createdAt;
  const counts = videoCounts(String(id), postedAt, c.now);
  const tags = hashtags(c.publish.title);
  const all: Record<string, unknown> = {
    // Research video ids are int64 on the wire, like post ids.
    id,
    create_time: Math.floor(postedAt / 1000),
    username: c.creator.username,
    region_code: 'US',
    video_description: c.publish.title ?? '',
    music_id: null,
    ...counts,
    favorites_count: Math.floor(counts.like_count / 4),
    effect_ids: [],
    hashtag_names: tags,
    hashtag_info_list: tags.map((name) => ({ hashtag_name: name })),
    sticker_info_list: [],
    effect_info_list: [],
    video_mention_list: [],
    video_label: null,
    playlist_id: null,
    voice_to_text: '',
    is_stem_verified: false,
    video_duration: videoDuration(String(id)),
    video_tag: null,
  };
  return Object.fromEntries(fields.map((f) => [f, all[f]]));
}

export function registerResearch(app: FastifyInstance, { state }: SandboxContext): void {
  app.post(researchPath, async (req, reply) => {
    const token = authenticate(state, req, researchPath);
    requireScope(token, 'research.data.basic');
    spendBudget(state);
    const fields = parseFields((req.query as Record<string, unknown>).fields, researchFields);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const query = parseQuery(body.query);
    const start = parseDate(body.start_date, 'start_date');
    const end = parseDate(body.end_date, 'end_date');
    if (end < start) throw invalidParams('end_date must not be before start_date.');
    if (end - start > 30 * dayMs) {
      throw invalidParams('end_date must be at most 30 days after start_date.');
    }
    const maxCount = integer(body.max_count, 'max_count', 20, 1, 100);
    const cursor = integer(body.cursor, 'cursor', 0, 0, Number.MAX_SAFE_INTEGER);
    const found: Candidate[] = [];
    const now = state.clock.now();
    for (const publish of state.publishes.values()) {
      const creator = state.creators.get(publish.openId);
      const postedAt = publish.completedAt ?? 0;
      if (!creator || !publish.publiclyAvailable || publish.postId === null) continue;
      if (postedAt < start || postedAt >= end + dayMs) continue;
      const candidate = { publish, creator, now };
      if (matches(candidate, query)) found.push(candidate);
    }
    // Without is_random, results come by descending video id.
    found.sort((a, b) => ((b.publish.postId ?? 0n) > (a.publish.postId ?? 0n) ? 1 : -1));
    const page = found.slice(cursor, cursor + maxCount);
    return sendOk(reply, {
      videos: page.map((c) => researchVideo(c, fields)),
      cursor: cursor + page.length,
      has_more: cursor + page.length < found.length,
      search_id:
        typeof body.search_id === 'string' ? body.search_id : randomBytes(8).toString('hex'),
    });
  });
}
