import { ApiError } from './errors';
import type { Creator, SandboxState } from './state';

const dayMs = 24 * 60 * 60_000;
const unauditedUserCap = 5;

/** Direct posts in the last 24 h; a publish that FAILED made no post, so it does not count. */
export function directPostsToday(state: SandboxState, openId: string): number {
  const since = state.clock.now() - dayMs;
  let count = 0;
  for (const p of state.publishes.values()) {
    if (
      p.openId === openId &&
      p.mode === 'direct' &&
      p.createdAt > since &&
      p.status !== 'FAILED'
    ) {
      count += 1;
    }
  }
  return count;
}

/**
 * Inbox shares of the last 24 h the user has neither posted nor lost (docs/tiktok-api.md,
 * Video init).
 */
export function pendingInboxShares(state: SandboxState, openId: string): number {
  const since = state.clock.now() - dayMs;
  let count = 0;
  for (const p of state.publishes.values()) {
    const open = p.status !== 'PUBLISH_COMPLETE' && p.status !== 'FAILED';
    if (p.openId === openId && p.mode === 'inbox' && p.createdAt > since && open) count += 1;
  }
  return count;
}

/**
 * Unaudited clients: at most 5 distinct users may post in 24 h (docs/tiktok-api.md, Rate limits).
 */
function activeUserCapReached(state: SandboxState, openId: string): boolean {
  if (!state.config.unaudited) return false;
  const since = state.clock.now() - dayMs;
  const active = [...state.postingUsers].filter(([, at]) => at > since).map(([id]) => id);
  return !active.includes(openId) && active.length >= unauditedUserCap;
}

export function notePostingUser(state: SandboxState, openId: string): void {
  state.postingUsers.set(openId, state.clock.now());
}

/**
 * Why this creator cannot post right now, if anything. creator_info reports these with HTTP
 * 200, the init endpoints with 403 (docs/tiktok-api.md, Error codes), hence the status is the
 * caller's.
 */
export function postingBlock(
  state: SandboxState,
  creator: Creator,
  status: number,
  mode: 'direct' | 'inbox',
): ApiError | null {
  if (creator.bannedFromPosting) {
    return new ApiError(
      'spam_risk_user_banned_from_posting',
      status,
      'This user is banned from making new posts.',
    );
  }
  if (activeUserCapReached(state, creator.openId)) {
    return new ApiError(
      'reached_active_user_cap',
      status,
      'The daily quota of active publishing users for this client has been reached.',
    );
  }
  if (mode === 'direct' && directPostsToday(state, creator.openId) >= state.config.dailyPostCap) {
    return new ApiError(
      'spam_risk_too_many_posts',
      status,
      'This user has reached the maximum number of posts allowed from API clients in 24 hours.',
    );
  }
  return null;
}
