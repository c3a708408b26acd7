import { setTimeout as sleep } from 'node:timers/promises';
import { findPublishJob } from '@tiktok-fleet/queue';
import { type ChaosFleet, FINAL } from './fleet';
import type { SandboxPublish } from './sandbox-control';

export interface StuckPost {
  postId: string;
  caption: string;
  status: string;
  uploadedBytes: number;
  lastEvent: string;
  /** The publish job in BullMQ: state, attempts, stalled count, failed reason. */
  publishJob: string;
  /** TikTok's side: the publishes with this post's caption, status and bytes. */
  atTikTok: string;
}

export interface Outcome {
  scenario: string;
  posts: number;
  published: number;
  failed: number;
  stuck: number;
  duplicates: number;
  /**
   * Posts with more than one publish at TikTok that received bytes: a second upload beside
   * the first (whatever became of it). Abandoned inits are counted apart.
   */
  extraPublishes: number;
  /**
   * File-upload publishes that never received a single byte, beside a post's own: an init
   * whose answer never reached the database (a SIGKILL between TikTok's answer and the write,
   * or a holder that stalled and found its write refused by the fence). TikTok posts nothing
   * from such an upload: only the process that got its answer knows its URL, and that
   * process is dead or stopped before the first byte (docs/architecture.md, Crash rules).
   */
  abandonedInits: number;
  /** Final posts without a terminal callback at the end. */
  missingCallbacks: number;
  maxUploadsPerAccount: number;
  bytesRatio: number;
  seconds: number;
  notes: string[];
  stuckPosts: StuckPost[];
  failedPosts: string[];
}

/** How long the callbacks of posts that just went final may take to arrive. */
const CALLBACK_WAIT_MS = 15_000;

/** What a scenario left behind, measured from the database, BullMQ, TikTok and the callbacks. */
export async function measure(
  fleet: ChaosFleet,
  scenario: string,
  startedAt: number,
  notes: string[],
): Promise<Outcome> {
  const posts = await fleet.posts.listWithEvents(fleet.accepted.map((p) => p.postId));
  const byId = new Map(posts.map((p) => [p.id, p]));
  const publishes = await fleet.control.publishes();
  const stats = await fleet.control.stats();
  let duplicates = 0;
  let extraPublishes = 0;
  let abandonedInits = 0;
  let fileBytes = 0;
  const stuckPosts: StuckPost[] = [];
  const failedPosts: string[] = [];
  for (const accepted of fleet.accepted) {
    const post = byId.get(accepted.postId);
    fileBytes += accepted.video.size;
    const mine = publishes.filter((p) => p.title === accepted.caption);
    const abandoned = mine.filter((p) => isAbandonedInit(p) && p.publishId !== post?.publishId);
    abandonedInits += abandoned.length;
    if (mine.length - abandoned.length > 1) extraPublishes += 1;
    const complete = mine.filter((p) => p.status === 'PUBLISH_COMPLETE');
    if (complete.length > 1 || complete.some((p) => p.sha256 !== accepted.video.sha256)) {
      duplicates += 1;
    }
    if (post?.status === 'failed') {
      failedPosts.push(`${post.id} ${post.errorCode}: ${post.errorMessage}`);
    }
    if (!post || !FINAL.includes(post.status)) {
      const job = await findPublishJob(fleet.queues, accepted.postId).catch(() => undefined);
      const state = job ? await job.getState().catch(() => 'unknown') : 'missing';
      const last = post?.events.at(-1);
      stuckPosts.push({
        postId: accepted.postId,
        caption: accepted.caption,
        status: post?.status ?? 'not in the database',
        uploadedBytes: Number(post?.uploadedBytes ?? 0),
        lastEvent: last ? `${last.status}: ${JSON.stringify(last.detail)}` : '(none)',
        publishJob: job
          ? `${state}, attemptsMade ${job.attemptsMade}, stalledCounter ${job.stalledCounter}` +
            (job.failedReason ? `, "${job.failedReason}"` : '')
          : state,
        atTikTok:
          mine.map((p) => `${p.status} ${p.bytesReceived}/${p.videoSize}`).join('; ') || 'none',
      });
    }
  }
  const final = posts.filter((p) => FINAL.includes(p.status));
  // A callback is sent by its own job after the post went final: give the last ones a moment
  // to arrive (on a loaded machine that takes a while) before counting any as missing.
  const callbacksBy = Date.now() + CALLBACK_WAIT_MS;
  while (final.some((p) => fleet.callbacks.count(p.id) === 0) && Date.now() < callbacksBy) {
    await sleep(100);
  }
  const missingCallbacks = final.filter((p) => fleet.callbacks.count(p.id) === 0).length;
  const sent = publishes.reduce((sum, p) => sum + p.bytesTransferred, 0);
  const fired = Object.entries(stats.faultsFired ?? {}).filter(([, n]) => n > 0);
  if (extraPublishes > 0) notes.push(`posts with a second upload at TikTok: ${extraPublishes}`);
  if (abandonedInits > 0)
    notes.push(`abandoned inits (a file upload TikTok never got a byte of): ${abandonedInits}`);
  if (fired.length > 0)
    notes.push(`faults fired: ${fired.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (stats.refreshTokensReused > 0)
    notes.push(`refresh tokens reused: ${stats.refreshTokensReused}`);
  const violations = stats.violations.filter((v) => v.rule !== 'rate_limit_exceeded');
  if (violations.length > 0) {
    const rules = [...new Set(violations.map((v) => v.rule))];
    notes.push(`TikTok rule violations: ${violations.length} (${rules.join(', ')})`);
  }
  // Uploads receiving bytes side by side would be the fleet's mistake; an upload TikTok
  // initialised that never got a byte is the one window a SIGKILL can open (between TikTok's
  // init answer and the publish id's write, docs/architecture.md, Crash rules): reported, not
  // counted as a second upload.
  const maxOpen = Math.max(0, ...Object.values(stats.maxConcurrentUploadsByCreator));
  const maxSending = Math.max(0, ...Object.values(stats.maxSendingUploadsByCreator ?? {}));
  if (maxOpen > maxSending) {
    notes.push(
      `an upload initialised but never sent a byte was open beside another (${maxOpen} at once)`,
    );
  }
  return {
    scenario,
    posts: fleet.accepted.length,
    published: posts.filter((p) => p.status === 'published').length,
    failed: posts.filter((p) => p.status === 'failed').length,
    stuck: stuckPosts.length,
    duplicates,
    extraPublishes,
    abandonedInits,
    missingCallbacks,
    maxUploadsPerAccount: maxSending,
    bytesRatio: fileBytes > 0 ? sent / fileBytes : 0,
    seconds: (Date.now() - startedAt) / 1000,
    notes,
    stuckPosts,
    failedPosts,
  };
}

/** A file upload that no byte of any request body ever reached: it can never be posted. */
export function isAbandonedInit(p: SandboxPublish): boolean {
  return (
    p.source === 'FILE_UPLOAD' &&
    p.bytesTransferred === 0 &&
    p.bytesReceived === 0 &&
    p.status === 'PROCESSING_UPLOAD'
  );
}

const columns = [
  'scenario',
  'posts',
  'published',
  'failed',
  'stuck',
  'duplicates',
  'no callback',
  'max uploads/account',
  'bytes sent / file',
  'time',
];

function cells(o: Outcome): string[] {
  return [
    o.scenario,
    String(o.posts),
    String(o.published),
    String(o.failed),
    String(o.stuck),
    String(o.duplicates),
    String(o.missingCallbacks),
    String(o.maxUploadsPerAccount),
    `${o.bytesRatio.toFixed(2)}x`,
    `${o.seconds.toFixed(0)} s`,
  ];
}

/** A Markdown table, one row per scenario, then each scenario's notes and stuck posts. */
export function formatTable(outcomes: Outcome[]): string {
  const rows = [columns, ...outcomes.map(cells)];
  const widths = columns.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const out = [line(columns), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`];
  for (const o of outcomes) out.push(line(cells(o)));
  for (const o of outcomes) {
    if (o.notes.length > 0) out.push('', `${o.scenario}: ${o.notes.join('; ')}`);
    for (const s of o.stuckPosts) {
      out.push(
        `  stuck ${s.postId} (${s.caption}): ${s.status}, ${s.uploadedBytes} bytes; ` +
          `last history: ${s.lastEvent}; publish job: ${s.publishJob}; TikTok: ${s.atTikTok}`,
      );
    }
    for (const f of o.failedPosts) out.push(`  failed ${f}`);
  }
  return out.join('\n');
}
