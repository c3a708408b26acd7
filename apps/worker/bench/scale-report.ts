// What the scaling benchmark measures about a round, and how it prints it.
import { readFileSync, writeFileSync } from 'node:fs';
import type { PostWithEvents } from '@tiktok-fleet/db';

export interface Round {
  processes: number;
  slots: number;
  posts: number;
  calls: Record<string, number>;
  totalCalls: number;
  /** From releasing the backlog to the last post published. */
  seconds: number;
  /** TikTok calls x latency / (processes x concurrency). */
  idealSeconds: number;
  /** The same for the publish jobs' calls alone: status jobs run in slots of their own. */
  publishIdealSeconds: number;
  enqueueSeconds: number;
  /** Share of the machine's CPU busy during the run (anything running, not just the fleet). */
  cpuBusy: number | null;
  /** CPU seconds of the workers, the API, the sandbox and this round's PostgreSQL backends. */
  fleetCpuS: Record<string, number> | null;
  /** Median time from `validating` to `processing`: the publish job's own duration. */
  p50PublishJobS: number;
  /** Posts whose status poll waited for its timer instead of the webhook. */
  slowStatus: number;
}

/** Busy and total jiffies of the machine (Linux): was the run I/O-bound or CPU-bound? */
export function cpuTimes(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number) as number[];
    const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0);
    return { busy: busy + (steal ?? 0), total: busy + (steal ?? 0) + (idle ?? 0) + (iowait ?? 0) };
  } catch {
    return null;
  }
}

/**
 * The median publish job (first `validating` to `processing`: three TikTok calls and the
 * work between them), and how many posts waited more than 3 s between `processing` and
 * `published` (a webhook that came before the status job existed, so the poll waited for
 * its timer).
 */
export function latencies(posts: readonly PostWithEvents[]) {
  const at = (p: PostWithEvents, status: string) =>
    p.events.find((e) => e.status === status)?.at.getTime() ?? Number.NaN;
  const publishJobs = posts
    .map((p) => (at(p, 'processing') - at(p, 'validating')) / 1000)
    .sort((a, b) => a - b);
  const slowStatus = posts.filter(
    (p) => (p.publishedAt?.getTime() ?? 0) - at(p, 'processing') > 3000,
  ).length;
  return { p50PublishJobS: publishJobs[Math.floor(publishJobs.length / 2)] ?? 0, slowStatus };
}

/** Each post's stages in ms since the start, for a look at where the time went. */
export function writeTimeline(
  posts: readonly PostWithEvents[],
  started: number,
  path: string,
): void {
  const oldestFirst = [...posts].sort(
    (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id),
  );
  const timeline = oldestFirst.map((p) => ({
    id: p.id,
    accountId: p.accountId,
    events: p.events.map((e) => ({
      status: e.status,
      ms: e.at.getTime() - started,
      message: (e.detail as { message?: string } | null)?.message,
    })),
  }));
  writeFileSync(path, JSON.stringify(timeline, null, 1));
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

export function printTable(rounds: Round[]): void {
  const base = rounds.find((r) => r.processes === 1) ?? rounds[0];
  const header = [
    'processes',
    'slots',
    'posts',
    'TikTok calls',
    'wall s',
    'posts/s',
    'ideal s',
    'ratio',
    'publish ratio',
    'speedup',
    'CPU busy',
    'fleet CPU s/post',
    'publish job s (p50)',
  ];
  const rows = rounds.map((r) => [
    String(r.processes),
    String(r.slots),
    String(r.posts),
    String(r.totalCalls),
    r.seconds.toFixed(1),
    (r.posts / r.seconds).toFixed(2),
    r.idealSeconds.toFixed(1),
    (r.idealSeconds / r.seconds).toFixed(2),
    (r.publishIdealSeconds / r.seconds).toFixed(2),
    base ? `${(base.seconds / r.seconds).toFixed(2)}x` : '-',
    r.cpuBusy === null ? '-' : `${Math.round(r.cpuBusy * 100)} %`,
    r.fleetCpuS === null
      ? '-'
      : (Object.values(r.fleetCpuS).reduce((a, b) => a + b, 0) / r.posts).toFixed(3),
    r.p50PublishJobS.toFixed(2),
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => pad(c, widths[i] ?? 0)).join(' | ')} |`;
  console.log(`\n${line(header)}`);
  console.log(`|${widths.map((w) => `${'-'.repeat(w + 1)}:`).join('|')}|`);
  for (const row of rows) console.log(line(row));
}
