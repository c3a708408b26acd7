import { camelizeObject } from './camelize';
import type { ClientContext } from './context';
import { TikTokApiError } from './errors';
import { isRecord, toNumber } from './json';

export const USER_INFO_PATH = '/v2/user/info/';
export const VIDEO_LIST_PATH = '/v2/video/list/';
export const VIDEO_QUERY_PATH = '/v2/video/query/';

/** Which scope unlocks which user field (docs/tiktok-api.md, Display API). */
export const USER_INFO_FIELDS_BY_SCOPE = {
  'user.info.basic': [
    'open_id',
    'union_id',
    'avatar_url',
    'avatar_url_100',
    'avatar_large_url',
    'display_name',
  ],
  'user.info.profile': ['bio_description', 'profile_deep_link', 'is_verified', 'username'],
  'user.info.stats': ['follower_count', 'following_count', 'likes_count', 'video_count'],
} as const;

export type UserInfoField =
  (typeof USER_INFO_FIELDS_BY_SCOPE)[keyof typeof USER_INFO_FIELDS_BY_SCOPE][number];

/**
 * The user fields the granted scopes allow. Asking for a field of a scope the user did not
 * grant fails the whole call (`scope_permission_missed`), so build `fields` from this.
 */
export function userInfoFieldsForScopes(scopes: readonly string[]): UserInfoField[] {
  const fields: UserInfoField[] = [];
  for (const [scope, scopeFields] of Object.entries(USER_INFO_FIELDS_BY_SCOPE)) {
    if (scopes.includes(scope)) fields.push(...scopeFields);
  }
  return fields;
}

export interface UserInfo {
  openId?: string;
  unionId?: string;
  avatarUrl?: string;
  avatarUrl100?: string;
  avatarLargeUrl?: string;
  displayName?: string;
  bioDescription?: string;
  profileDeepLink?: string;
  isVerified?: boolean;
  username?: string;
  followerCount?: number;
  followingCount?: number;
  likesCount?: number;
  videoCount?: number;
}

export async function getUserInfo(
  ctx: ClientContext,
  accessToken: string,
  fields: readonly UserInfoField[],
): Promise<UserInfo> {
  if (fields.length === 0) {
    throw invalid(USER_INFO_PATH, 'Ask for at least one user field (TikTok requires `fields`).');
  }
  const data = await ctx.http.envelope(USER_INFO_PATH, {
    method: 'GET',
    accessToken,
    query: { fields: fields.join(',') },
  });
  return isRecord(data.user) ? (camelizeObject(data.user) as UserInfo) : {};
}

// Deliberate copy in apps/tiktok-sandbox/src/video-object.ts: the sandbox must not import the client.
export const VIDEO_FIELDS = [
  'id',
  'create_time',
  'cover_image_url',
  'share_url',
  'video_description',
  'duration',
  'height',
  'width',
  'title',
  'embed_html',
  'embed_link',
  'like_count',
  'comment_count',
  'share_count',
  'view_count',
  'is_aigc',
] as const;
export type VideoField = (typeof VIDEO_FIELDS)[number];

/** `is_aigc` is left out by default: it only appears in the newest revision of the docs. */
export const DEFAULT_VIDEO_FIELDS: readonly VideoField[] = VIDEO_FIELDS.filter(
  (f) => f !== 'is_aigc',
);

export interface Video {
  /** Exact decimal string. */
  id: string;
  createTime?: number;
  coverImageUrl?: string;
  shareUrl?: string;
  videoDescription?: string;
  duration?: number;
  height?: number;
  width?: number;
  title?: string;
  embedHtml?: string;
  embedLink?: string;
  likeCount?: number;
  commentCount?: number;
  shareCount?: number;
  viewCount?: number;
  isAigc?: boolean;
}

export interface VideoPage {
  videos: Video[];
  /** Pass back as `cursor` for the next page (a timestamp in ms). */
  cursor: number | undefined;
  hasMore: boolean;
}

export const MAX_VIDEO_LIST_COUNT = 20;
export const MAX_VIDEO_QUERY_IDS = 20;

/** The user's public videos, newest first. */
export async function listVideos(
  ctx: ClientContext,
  accessToken: string,
  params: { fields?: readonly VideoField[]; cursor?: number; maxCount?: number } = {},
): Promise<VideoPage> {
  const maxCount = params.maxCount;
  if (
    maxCount !== undefined &&
    (!Number.isInteger(maxCount) || maxCount < 1 || maxCount > MAX_VIDEO_LIST_COUNT)
  ) {
    throw invalid(
      VIDEO_LIST_PATH,
      `max_count must be 1 to ${MAX_VIDEO_LIST_COUNT}, got ${maxCount}.`,
    );
  }
  const data = await ctx.http.envelope(VIDEO_LIST_PATH, {
    method: 'POST',
    accessToken,
    query: { fields: fieldList(params.fields) },
    body: { cursor: params.cursor, max_count: maxCount },
  });
  return videoPage(data);
}

/** Refreshes the given videos (they must belong to the user); at most 20 ids. */
export async function queryVideos(
  ctx: ClientContext,
  accessToken: string,
  params: { videoIds: readonly (string | bigint)[]; fields?: readonly VideoField[] },
): Promise<VideoPage> {
  const ids = params.videoIds.map(String);
  if (ids.length === 0 || ids.length > MAX_VIDEO_QUERY_IDS) {
    throw invalid(
      VIDEO_QUERY_PATH,
      `Query 1 to ${MAX_VIDEO_QUERY_IDS} video ids at a time, got ${ids.length}.`,
    );
  }
  const data = await ctx.http.envelope(VIDEO_QUERY_PATH, {
    method: 'POST',
    accessToken,
    query: { fields: fieldList(params.fields) },
    body: { filters: { video_ids: ids } },
  });
  return videoPage(data);
}

function fieldList(fields: readonly VideoField[] | undefined): string {
  // The id is what every caller keys on; ask for it even when the caller forgot.
  const all = new Set<string>(['id', ...(fields ?? DEFAULT_VIDEO_FIELDS)]);
  return [...all].join(',');
}

function videoPage(data: Record<string, unknown>): VideoPage {
  const list = Array.isArray(data.videos) ? data.videos.filter(isRecord) : [];
  return {
    videos: list.map((v) => camelizeObject(v) as unknown as Video),
    cursor: toNumber(data.cursor),
    hasMore: data.has_more === true,
  };
}

function invalid(endpoint: string, description: string): TikTokApiError {
  return new TikTokApiError({ code: 'invalid_params', endpoint, description });
}
