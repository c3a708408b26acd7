import type { FastifyInstance } from 'fastify';
import { authenticate, creatorOf, requireScope } from './auth';
import type { SandboxContext } from './context';
import { followerCount, followingCount, videoCounts } from './engagement';
import { ApiError, invalidParams, sendOk } from './errors';
import type { Creator, Publish, SandboxState } from './state';
import { parseFields, videoFields, videoObject } from './video-object';

const userInfoPath = '/v2/user/info/';
const videoListPath = '/v2/video/list/';
const videoQueryPath = '/v2/video/query/';

/** Which scope each user field needs (docs/tiktok-api.md, Display API). */
const userFieldScopes: Record<string, string> = {
  open_id: 'user.info.basic',
  union_id: 'user.info.basic',
  avatar_url: 'user.info.basic',
  avatar_url_100: 'user.info.basic',
  avatar_large_url: 'user.info.basic',
  display_name: 'user.info.basic',
  bio_description: 'user.info.profile',
  profile_deep_link: 'user.info.profile',
  is_verified: 'user.info.profile',
  username: 'user.info.profile',
  follower_count: 'user.info.stats',
  following_count: 'user.info.stats',
  likes_count: 'user.info.stats',
  video_count: 'user.info.stats',
};

/** Posts of this creator that anyone can see, newest first. */
function publicPosts(state: SandboxState, openId: string): Publish[] {
  return [...state.publishes.values()]
    .filter((p) => p.openId === openId && p.publiclyAvailable && p.postId !== null)
    .sort((a, b) => (b.completedAt ?? 0) - (a.completedAt ?? 0));
}

function userObject(state: SandboxState, creator: Creator, fields: string[]) {
  const posts = publicPosts(state, creator.openId);
  const likes = posts.reduce(
    (sum, p) =>
      sum +
      videoCounts(String(p.postId), p.completedAt ?? p.createdAt, state.clock.now()).like_count,
    0,
  );
  const all: Record<string, unknown> = {
    open_id: creator.openId,
    union_id: creator.unionId,
    avatar_url: creator.avatarUrl,
    avatar_url_100: creator.avatarUrl.replace('168x168', '100x100'),
    avatar_large_url: creator.avatarUrl.replace('168x168', '1080x1080'),
    display_name: creator.nickname,
    bio_description: creator.bioDescription,
    profile_deep_link: `https://vm.tiktok.com/@${creator.username}`,
    is_verified: creator.isVerified,
    username: creator.username,
    follower_count: followerCount(creator.openId, creator.createdAt, state.clock.now()),
    following_count: followingCount(creator.openId),
    likes_count: likes,
    video_count: posts.length,
  };
  return Object.fromEntries(fields.map((f) => [f, all[f]]));
}

function body(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function registerDisplay(app: FastifyInstance, ctx: SandboxContext): void {
  const { state } = ctx;

  app.get(userInfoPath, async (req, reply) => {
    const token = authenticate(state, req, userInfoPath);
    const creator = creatorOf(state, token);
    const fields = parseFields(
      (req.query as Record<string, unknown>).fields,
      Object.keys(userFieldScopes),
    );
    const missing = fields.filter((f) => !token.scopes.includes(userFieldScopes[f] ?? ''));
    if (missing.length > 0) {
      // The docs' code for fields beyond the granted scopes (docs/tiktok-api.md, Display API).
      throw new ApiError(
        'scope_permission_missed',
        400,
        `Some fields need additional scopes the user did not grant: ${missing.join(',')}.`,
      );
    }
    return sendOk(reply, { user: userObject(state, creator, fields) });
  });

  app.post(videoListPath, async (req, reply) => {
    const token = authenticate(state, req, videoListPath);
    requireScope(token, 'video.list');
    const creator = creatorOf(state, token);
    const fields = parseFields((req.query as Record<string, unknown>).fields, videoFields);
    const { cursor = ctx.state.clock.now(), max_count: maxCount = 10 } = body(req.body);
    if (typeof cursor !== 'number' || !Number.isSafeInteger(cursor) || cursor < 0) {
      throw invalidParams('cursor must be a UTC Unix timestamp in milliseconds.');
    }
    if (
      typeof maxCount !== 'number' ||
      !Number.isInteger(maxCount) ||
      maxCount < 1 ||
      maxCount > 20
    ) {
      throw invalidParams('max_count must be between 1 and 20.');
    }
    const older = publicPosts(state, creator.openId).filter((p) => (p.completedAt ?? 0) < cursor);
    const page = older.slice(0, maxCount);
    const last = page.at(-1);
    return sendOk(reply, {
      videos: page.map((p) => videoObject(ctx, p, creator, fields)),
      cursor: last ? (last.completedAt ?? cursor) : cursor,
      has_more: older.length > page.length,
    });
  });

  app.post(videoQueryPath, async (req, reply) => {
    const token = authenticate(state, req, videoQueryPath);
    requireScope(token, 'video.list');
    const creator = creatorOf(state, token);
    const fields = parseFields((req.query as Record<string, unknown>).fields, videoFields);
    const ids = body(body(req.body).filters).video_ids;
    if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== 'string')) {
      throw invalidParams('filters.video_ids must be a non-empty list of video id strings.');
    }
    if (ids.length > 20) throw invalidParams('filters.video_ids may hold at most 20 ids.');
    // Only the user's own videos come back; other ids are left out, not reported.
    const own = [...state.publishes.values()].filter(
      (p) => p.openId === creator.openId && p.postId !== null && ids.includes(String(p.postId)),
    );
    return sendOk(reply, {
      videos: own.map((p) => videoObject(ctx, p, creator, fields)),
      cursor: 0,
      has_more: false,
    });
  });
}
