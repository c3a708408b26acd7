import type { ClientContext } from './context';
import { toNumber } from './json';

export const CREATOR_INFO_PATH = '/v2/post/publish/creator_info/query/';

export interface CreatorInfo {
  avatarUrl: string | undefined;
  username: string | undefined;
  /** Must be shown to the user on the posting page (TikTok's UX rules). */
  nickname: string | undefined;
  /** Open strings: TikTok may add levels, and an unknown one is still the creator's choice. */
  privacyLevelOptions: string[];
  commentDisabled: boolean;
  duetDisabled: boolean;
  stitchDisabled: boolean;
  maxVideoPostDurationSec: number | undefined;
}

/**
 * Who is posting and what they may do right now. The daily cap and posting ban come back
 * as errors with HTTP 200 here, which the envelope reader turns into a TikTokApiError.
 */
export async function queryCreatorInfo(
  ctx: ClientContext,
  accessToken: string,
): Promise<CreatorInfo> {
  const data = await ctx.http.envelope(CREATOR_INFO_PATH, {
    method: 'POST',
    accessToken,
    body: {},
  });
  return {
    avatarUrl: str(data.creator_avatar_url),
    username: str(data.creator_username),
    nickname: str(data.creator_nickname),
    privacyLevelOptions: Array.isArray(data.privacy_level_options)
      ? data.privacy_level_options.filter((v): v is string => typeof v === 'string')
      : [],
    commentDisabled: data.comment_disabled === true,
    duetDisabled: data.duet_disabled === true,
    stitchDisabled: data.stitch_disabled === true,
    maxVideoPostDurationSec: toNumber(data.max_video_post_duration_sec),
  };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
