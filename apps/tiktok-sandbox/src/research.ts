import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { authenticate, requireScope } from './auth';
import type { SandboxContext } from './context';
import { followerCount, followingCount, videoCounts, videoDuration } from './engagement';
import { invalidParams, sendOk } from './errors';
import { spendResearchRecords, spendResearchRequest } from './research-budget';
import { type Candidate, hashtags, matches, parseQuery } from './research-query';
import type { SandboxState } from './state';
import { parseFields } from './video-object';

const researchPath = '/v2/research/video/query/';
const userInfoPath = '/v2/research/user/info/';
const dayMs = 24 * 60 * 60_000;

// Deliberate copy of RESEARCH_VIDEO_FIELDS in packages/tiktok/src/research/query-videos.ts: the sandbox must not import the client.
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

// docs/tiktok-api.md, Research API (user info).
// Deliberate copy of RESEARCH_USER_FIELDS in packages/tiktok/src/research/user-info.ts: the sandbox must not import the client.
const userFields = [
  'display_name',
  'bio_description',
  'avatar_url',
  'is_verified',
  'follower_count',
  'following_count',
  'likes_count',
  'video_count',
  'bio_url',
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

/** Every public video: the sandbox's own public posts and the seeded ones. */
function allVideos(state: SandboxState, now: number): Candidate[] {
  const out: Candidate[] = [];
  for (const publish of state.publishes.values()) {
    const creator = state.creators.get(publish.openId);
    if (!creator || !publish.publiclyAvailable || publish.postId === null) continue;
    out.push({
      id: publish.postId,
      username: creator.username,
      regionCode: 'US',
      description: publish.title ?? '',
      postedAt: publish.completedAt ?? publish.createdAt,
      now,
    });
  }
  for (const seed of state.researchVideos) out.push({ ...seed, now });
  return out;
}

function researchVideo(c: Candidate, fields: string[]) {
  const id = String(c.id);
  const counts = videoCounts(id, c.postedAt, c.now);
  const tags = hashtags(c.description);
  const all: Record<string, unknown> = {
    // Research video ids are int64 on the wire, like post ids.
    id: c.id,
    create_time: Math.floor(c.postedAt / 1000),
    username: c.username,
    region_code: c.regionCode,
    video_description: c.description,
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
    video_duration: videoDuration(id),
    video_tag: null,
  };
  return Object.fromEntries(fields.map((f) => [f, all[f]]));
}

/** A search id like TikTok's example ("7201388525814961198"): 19 digits. */
function newSearchId(): string {
  return `7${String(randomInt(0, 1e9)).padStart(9, '0')}${String(randomInt(0, 1e9)).padStart(9, '0')}`;
}

export function registerResearch(app: FastifyInstance, { state }: SandboxContext): void {
  app.post(researchPath, async (req, reply) => {
    const token = authenticate(state, req, researchPath);
    requireScope(token, 'research.data.basic');
    spendResearchRequest(state, researchPath);
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
    const now = state.clock.now();
    const byId = new Map(allVideos(state, now).map((c) => [c.id, c]));

    // A search_id names a cached search: the same matches in the same order, so pages
    // neither skip nor repeat videos posted meanwhile.
    let searchId: string;
    let ids: bigint[];
    if (typeof body.search_id === 'string') {
      const cached = state.researchSearches.get(body.search_id);
      if (!cached) throw invalidParams('Invalid search_id: no cached search has this id.');
      searchId = body.search_id;
      ids = cached;
    } else {
      const found = [...byId.values()].filter(
        (c) => c.postedAt >= start && c.postedAt < end + dayMs && matches(c, query),
      );
      if (body.is_random === true) {
        for (let i = found.length - 1; i > 0; i--) {
          const j = randomInt(0, i + 1);
          [found[i], found[j]] = [found[j] as Candidate, found[i] as Candidate];
        }
      } else {
        // Without is_random, results come by descending video id.
        found.sort((a, b) => (b.id > a.id ? 1 : b.id < a.id ? -1 : 0));
      }
      searchId = newSearchId();
      ids = found.map((c) => c.id);
      state.researchSearches.set(searchId, ids);
    }
    if (cursor > ids.length) throw invalidParams('Invalid count or cursor.');
    const page = ids.slice(cursor, cursor + maxCount).flatMap((id) => {
      const c = byId.get(id);
      return c ? [c] : [];
    });
    spendResearchRecords(state, page.length);
    const next = cursor + Math.min(maxCount, ids.length - cursor);
    return sendOk(reply, {
      videos: page.map((c) => researchVideo(c, fields)),
      cursor: next,
      has_more: body.is_random !== true && next < ids.length,
      search_id: searchId,
    });
  });

  app.post(userInfoPath, async (req, reply) => {
    const token = authenticate(state, req, userInfoPath);
    requireScope(token, 'research.data.basic');
    spendResearchRequest(state, userInfoPath);
    const fields = parseFields((req.query as Record<string, unknown>).fields, userFields);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.username !== 'string' || body.username === '') {
      throw invalidParams('username is required.');
    }
    const wanted = body.username.toLowerCase();
    const creator = [...state.creators.values()].find(
      (c) => c.username.toLowerCase() === wanted && !c.privateAccount,
    );
    // TikTok's pages do not say how an unknown or private user is answered; the sandbox
    // answers invalid_params (docs/tiktok-api.md, Research API).
    if (!creator) throw invalidParams(`No public user has the username "${body.username}".`);
    const now = state.clock.now();
    const videos = allVideos(state, now).filter((c) => c.username === creator.username);
    const all: Record<string, unknown> = {
      display_name: creator.nickname,
      bio_description: creator.bioDescription,
      avatar_url: creator.avatarUrl,
      is_verified: creator.isVerified,
      follower_count: followerCount(creator.openId, creator.createdAt, now),
      following_count: followingCount(creator.openId),
      likes_count: videos.reduce(
        (sum, c) => sum + videoCounts(String(c.id), c.postedAt, now).like_count,
        0,
      ),
      video_count: videos.length,
      bio_url: `https://www.tiktok.com/@${creator.username}`,
    };
    return sendOk(reply, Object.fromEntries(fields.map((f) => [f, all[f]])));
  });
}
