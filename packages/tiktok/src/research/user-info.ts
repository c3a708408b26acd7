import { camelizeObject } from '../camelize';
import type { ClientContext } from '../context';
import { TikTokApiError } from '../errors';
import { ResearchBudgetExhaustedError, type WithBudget } from './budget-error';

export const RESEARCH_USER_INFO_PATH = '/v2/research/user/info/';

// Deliberate copy in apps/tiktok-sandbox/src/research.ts (userFields): the sandbox must not import the client.
/** Every field of a research user (docs/tiktok-api.md, Research API). */
export const RESEARCH_USER_FIELDS = [
  'display_name',
  'bio_description',
  'avatar_url',
  'is_verified',
  'follower_count',
  'following_count',
  'likes_count',
  'video_count',
  'bio_url',
] as const;

export interface ResearchUser extends Record<string, unknown>, WithBudget {}

/**
 * A public account's profile and counts, by username, with a client token. It costs one
 * request of the daily budget and no records (the records quota counts videos and comments).
 */
export async function queryResearchUser(
  ctx: ClientContext,
  clientToken: string,
  username: string,
  fields: readonly string[] = RESEARCH_USER_FIELDS,
): Promise<ResearchUser> {
  if (!/^[A-Za-z0-9._]{1,64}$/.test(username)) {
    throw new TikTokApiError({
      code: 'invalid_params',
      endpoint: RESEARCH_USER_INFO_PATH,
      description: `"${username}" is not a TikTok username (letters, digits, "_" and ".", at most 64).`,
    });
  }
  const reservation = await ctx.researchBudget.reserve(ctx.now(), 0);
  if (!reservation.allowed) {
    throw new ResearchBudgetExhaustedError(RESEARCH_USER_INFO_PATH, reservation);
  }
  const data = await ctx.http.envelope(RESEARCH_USER_INFO_PATH, {
    method: 'POST',
    accessToken: clientToken,
    query: { fields: fields.join(',') },
    body: { username },
  });
  return { ...camelizeObject(data), budget: await ctx.researchBudget.settle(reservation, 0) };
}
