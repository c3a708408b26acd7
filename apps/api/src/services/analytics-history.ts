import type { AnalyticsRepository, AnalyticsSnapshot } from '@tiktok-fleet/db';

/** Points a chart gets: enough for a day of 15-minute refreshes and then some. */
export const HISTORY_POINTS = 100;
/** Snapshots read for an account's history (its videos × points, bounded). */
const ACCOUNT_ROWS = 5_000;

type Counts = Pick<AnalyticsSnapshot, 'views' | 'likes' | 'comments' | 'shares'>;

/** One post's snapshots, oldest first: the last HISTORY_POINTS of them. */
export async function postHistory(snapshots: AnalyticsRepository, postId: string) {
  return snapshots.historyOfPost(postId, HISTORY_POINTS);
}

/**
 * An account's totals over time, oldest first. A refresh of one post stores a snapshot of
 * that video alone, so each point sums, for every video, its latest snapshot at that time:
 * the totals do not dip when only one video was asked about.
 */
export async function accountHistory(snapshots: AnalyticsRepository, accountId: string) {
  const rows = await snapshots.historyOfAccount(accountId, ACCOUNT_ROWS);
  const latest = new Map<string, Counts>();
  const points: Array<Counts & { capturedAt: Date }> = [];
  for (const row of rows) {
    latest.set(row.tiktokVideoId, row);
    const total = { views: 0n, likes: 0n, comments: 0n, shares: 0n };
    for (const counts of latest.values()) {
      total.views += counts.views;
      total.likes += counts.likes;
      total.comments += counts.comments;
      total.shares += counts.shares;
    }
    const last = points.at(-1);
    // Snapshots of one refresh share their time: one point for all of them.
    if (last && last.capturedAt.getTime() === row.capturedAt.getTime()) points.pop();
    points.push({ ...total, capturedAt: row.capturedAt });
  }
  return points.slice(-HISTORY_POINTS);
}
