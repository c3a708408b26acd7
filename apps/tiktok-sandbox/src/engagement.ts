import { createHash } from 'node:crypto';

/** A stable number in [0, 1) per (id, aspect), so counts differ between videos but never jump. */
function unit(id: string, aspect: string): number {
  return createHash('sha256').update(`${aspect}:${id}`).digest().readUInt32BE(0) / 2 ** 32;
}

export interface Counts {
  view_count: number;
  like_count: number;
  comment_count: number;
  share_count: number;
}

/**
 * Views grow linearly with the post's age at 1-10 views a second (per video); likes, comments
 * and shares are fixed fractions of views. Same id and age, same numbers: deterministic, and
 * visibly growing within a test.
 */
export function videoCounts(id: string, postedAt: number, now: number): Counts {
  const ageSec = Math.max(0, (now - postedAt) / 1000);
  const views = Math.floor(ageSec * (1 + 9 * unit(id, 'views')));
  return {
    view_count: views,
    like_count: Math.floor(views * (0.04 + 0.08 * unit(id, 'likes'))),
    comment_count: Math.floor(views * (0.002 + 0.008 * unit(id, 'comments'))),
    share_count: Math.floor(views * (0.001 + 0.004 * unit(id, 'shares'))),
  };
}

/** Followers start from a per-creator base and gain one every ten seconds. */
export function followerCount(openId: string, since: number, now: number): number {
  return Math.floor(100 + 9900 * unit(openId, 'followers') + (now - since) / 10_000);
}

export function followingCount(openId: string): number {
  return Math.floor(10 + 490 * unit(openId, 'following'));
}

/** Duration in seconds the sandbox reports for a video it never decoded. */
export function videoDuration(id: string): number {
  return 5 + Math.floor(55 * unit(id, 'duration'));
}
