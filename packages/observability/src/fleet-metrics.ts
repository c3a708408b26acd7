import { Counter, Gauge, Histogram } from 'prom-client';
import { KeyedSources } from './keyed-sources';
import { metricsRegistry } from './metrics';

/**
 * The fleet's own Prometheus metrics, all on `metricsRegistry` and named `tiktok_fleet_*`.
 * Labels are queue names, job outcomes, TikTok endpoints and error codes: small, fixed sets.
 * Never an account, user, post or job id, which would make a series per customer.
 *
 * Apps record through the helpers at the bottom (one call each), never through the metric
 * objects, so names and label values stay in this file.
 */

export type JobOutcome = 'completed' | 'failed' | 'deferred' | 'retried' | 'stalled';
export const QUEUE_DEPTH_STATES = [
  'waiting',
  'delayed',
  'active',
  'failed',
  'prioritized',
] as const;
export type QueueDepthState = (typeof QUEUE_DEPTH_STATES)[number];
/** Who made a job wait: the fleet's own counters in Redis, or TikTok answering that it is spent. */
export type EnforcedBy = 'fleet' | 'tiktok';
export type LockKind = 'upload' | 'refresh';
export type TokenRefreshOutcome = 'refreshed' | 'failed' | 'revoked';
export type FinalPostStatus = 'published' | 'failed' | 'canceled';

const SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

const jobs = new Counter({
  name: 'tiktok_fleet_jobs_total',
  help: 'Jobs that ended an attempt, by queue and outcome (deferred: put back without spending an attempt; retried: failed and will run again; stalled: lost its worker).',
  labelNames: ['queue', 'outcome'] as const,
  registers: [metricsRegistry],
});

const jobDuration = new Histogram({
  name: 'tiktok_fleet_job_duration_seconds',
  help: 'Time a job attempt ran in a worker (finishedOn - processedOn), by queue and outcome.',
  labelNames: ['queue', 'outcome'] as const,
  buckets: SECONDS,
  registers: [metricsRegistry],
});

const jobWait = new Histogram({
  name: 'tiktok_fleet_job_wait_seconds',
  help: 'Time a job waited for a worker before its first start (processedOn - timestamp - delay), by queue.',
  labelNames: ['queue'] as const,
  buckets: [...SECONDS, 7200, 21600, 86400],
  registers: [metricsRegistry],
});

const lockRenewalFailures = new Counter({
  name: 'tiktok_fleet_job_lock_renewal_failures_total',
  help: "Times a worker could not renew BullMQ's lock on an active job (event loop stalled or Redis away): the job may run twice.",
  labelNames: ['queue'] as const,
  registers: [metricsRegistry],
});

type DepthSource = () => Promise<Record<string, Partial<Record<QueueDepthState, number>>>>;
/** Keyed by what they count (a fleet's Redis prefix), so two API instances of one fleet in a process do not count its jobs twice. */
const depthSources = new KeyedSources<DepthSource>();

// Registered by construction; read only through its collect().
new Gauge({
  name: 'tiktok_fleet_queue_jobs',
  help: 'Jobs in each queue by state, read from Redis when scraped (served by the API only).',
  labelNames: ['queue', 'state'] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    const sums = new Map<string, Record<QueueDepthState, number>>();
    for (const source of depthSources.latest()) {
      // Redis away: leave the gauge empty rather than fail the whole scrape; /readyz says why.
      const counts = await source().catch(() => ({}));
      for (const [queue, byState] of Object.entries(counts)) {
        const sum =
          sums.get(queue) ??
          (Object.fromEntries(QUEUE_DEPTH_STATES.map((s) => [s, 0])) as Record<
            QueueDepthState,
            number
          >);
        for (const state of QUEUE_DEPTH_STATES) sum[state] += byState[state] ?? 0;
        sums.set(queue, sum);
      }
    }
    for (const [queue, byState] of sums) {
      for (const state of QUEUE_DEPTH_STATES) this.set({ queue, state }, byState[state]);
    }
  },
});

/** One sample of a gauge read at scrape time. */
export interface GaugeSample {
  labels: Record<string, string>;
  value: number;
}
type SampleSource = () => Promise<GaugeSample[]> | GaugeSample[];

/**
 * A gauge whose samples are read when Prometheus scrapes, from sources an app registers
 * (keyed like the queue depth: the latest source of a key counts). A source that fails
 * leaves its samples out rather than failing the whole scrape.
 */
function scrapeTimeGauge(name: string, help: string, labelNames: readonly string[]) {
  const sources = new KeyedSources<SampleSource>();
  new Gauge({
    name,
    help,
    labelNames,
    registers: [metricsRegistry],
    async collect() {
      this.reset();
      for (const source of sources.latest()) {
        const samples = await Promise.resolve()
          .then(source)
          .catch(() => []);
        for (const { labels, value } of samples) this.set(labels, value);
      }
    },
  });
  return (key: string, source: SampleSource): (() => void) => sources.register(key, source);
}

const registerOldestWaiting = scrapeTimeGauge(
  'tiktok_fleet_queue_oldest_waiting_seconds',
  'Age of the oldest job waiting for a worker in each queue (now - when it became due; 0 when none waits), read from Redis when scraped (API only).',
  ['queue'],
);
const registerOpenPosts = scrapeTimeGauge(
  'tiktok_fleet_posts_open',
  'Posts not final yet, by status, read from PostgreSQL when scraped (API only).',
  ['status'],
);
const registerOldestInStatus = scrapeTimeGauge(
  'tiktok_fleet_posts_oldest_in_status_seconds',
  'How long the oldest open post of each status has been in it (since its last move into it), read from PostgreSQL when scraped (API only).',
  ['status'],
);
const registerAccounts = scrapeTimeGauge(
  'tiktok_fleet_accounts',
  'Connected accounts by status (needs_reauth: the person must connect again), read from PostgreSQL when scraped (API only).',
  ['status'],
);
const registerDependencyUp = scrapeTimeGauge(
  'tiktok_fleet_dependency_up',
  'Whether a service this process needs answered its probe at scrape time (1) or not (0): redis, postgres.',
  ['dependency'],
);
const registerWorkersRunning = scrapeTimeGauge(
  'tiktok_fleet_worker_running',
  "Whether this process's worker of a queue is taking jobs (1) or not (0: closing, paused or its connection lost), by queue.",
  ['queue'],
);

const uploadedBytes = new Counter({
  name: 'tiktok_fleet_upload_bytes_total',
  help: 'Video bytes TikTok confirmed receiving (chunk uploads).',
  registers: [metricsRegistry],
});

const uploadThroughput = new Histogram({
  name: 'tiktok_fleet_upload_throughput_bytes_per_second',
  help: 'Bytes per second of each finished upload (bytes sent in the attempt / its wall time).',
  // 64 KiB/s to 1 GiB/s, doubling.
  buckets: Array.from({ length: 15 }, (_, i) => 65_536 * 2 ** i),
  registers: [metricsRegistry],
});

const tiktokCalls = new Counter({
  name: 'tiktok_fleet_tiktok_api_calls_total',
  help: "Calls to TikTok's API by endpoint and TikTok error code (`ok` for success); chunk PUTs count under `upload`.",
  labelNames: ['endpoint', 'code'] as const,
  registers: [metricsRegistry],
});

const tiktokCallDuration = new Histogram({
  name: 'tiktok_fleet_tiktok_api_call_duration_seconds',
  help: "Time of each call to TikTok's API, errors included, by endpoint.",
  labelNames: ['endpoint'] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  registers: [metricsRegistry],
});

const rateLimitWaits = new Counter({
  name: 'tiktok_fleet_rate_limit_waits_total',
  help: "Calls to TikTok held back because a per-minute limit was spent (the job waits), by the limiter's endpoint bucket and who enforced it (fleet: our own counter before the call; tiktok: TikTok's 429).",
  labelNames: ['endpoint', 'enforced_by'] as const,
  registers: [metricsRegistry],
});

const lockWaits = new Counter({
  name: 'tiktok_fleet_lock_waits_total',
  help: 'Waits for an account lock held by another job: upload (a busy account; the publish job is deferred) or refresh (another worker is refreshing its token).',
  labelNames: ['lock'] as const,
  registers: [metricsRegistry],
});

const dailyCapDeferrals = new Counter({
  name: 'tiktok_fleet_daily_cap_deferrals_total',
  help: "Publish jobs put back because the account's 24 h post cap is reached (fleet: DAILY_POST_CAP; tiktok: spam_risk_* answers).",
  labelNames: ['enforced_by'] as const,
  registers: [metricsRegistry],
});

const tokenRefreshes = new Counter({
  name: 'tiktok_fleet_token_refreshes_total',
  help: 'Access token refreshes by outcome (revoked: TikTok refused the refresh token and the account must connect again).',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

const postsFinished = new Counter({
  name: 'tiktok_fleet_posts_finished_total',
  help: 'Posts that reached a final status.',
  labelNames: ['status'] as const,
  registers: [metricsRegistry],
});

const postFailures = new Counter({
  name: 'tiktok_fleet_post_failures_total',
  help: "Posts that ended failed, by the post's error code (TikTok's where it gave one, e.g. spam_risk_too_many_posts, or the fleet's: video_duration_too_short, worker_lost).",
  labelNames: ['code'] as const,
  registers: [metricsRegistry],
});

const reconcilePasses = new Counter({
  name: 'tiktok_fleet_reconcile_passes_total',
  help: 'Passes of the reconciler over the posts that are not final (one runner at a time across the fleet).',
  registers: [metricsRegistry],
});

const reconcileFound = new Counter({
  name: 'tiktok_fleet_reconcile_posts_found_total',
  help: "Open posts the reconciler found with no live job, by the post's status and the job's state (missing, failed, completed).",
  labelNames: ['status', 'job_state'] as const,
  registers: [metricsRegistry],
});

const reconcileRequeued = new Counter({
  name: 'tiktok_fleet_reconcile_posts_requeued_total',
  help: "Posts the reconciler gave a job again, by the post's status and the queue of the job (publish to resume, status to poll).",
  labelNames: ['status', 'queue'] as const,
  registers: [metricsRegistry],
});

const reconcileGaveUp = new Counter({
  name: 'tiktok_fleet_reconcile_posts_given_up_total',
  help: 'Posts failed with worker_lost: their publish job lost its worker more often than RECONCILE_MAX_RESCUES allows.',
  registers: [metricsRegistry],
});

// Every label value is known up front, so each series exists (at 0) from the first scrape:
// rate() and increase() then see a post's first failure instead of a series appearing.
for (const status of ['published', 'failed', 'canceled'] as const) postsFinished.inc({ status }, 0);
for (const outcome of ['refreshed', 'failed', 'revoked'] as const)
  tokenRefreshes.inc({ outcome }, 0);
for (const enforcedBy of ['fleet', 'tiktok'] as const)
  dailyCapDeferrals.inc({ enforced_by: enforcedBy }, 0);
for (const lock of ['upload', 'refresh'] as const) lockWaits.inc({ lock }, 0);
uploadedBytes.inc(0);
reconcilePasses.inc(0);
reconcileGaveUp.inc(0);

/** Seconds between two epoch-millisecond stamps, or undefined when one is missing or they are backwards. */
function secondsBetween(from: number | undefined, to: number | undefined): number | undefined {
  if (!from || !to || to < from) return undefined;
  return (to - from) / 1000;
}

/**
 * A TikTok endpoint as a label: `/v2/post/publish/video/init/` becomes
 * `post/publish/video/init`; anything that is not a plain API path (a chunk PUT) is `upload`.
 */
export function tiktokEndpointLabel(endpoint: string): string {
  const path = endpoint.split('?')[0] ?? '';
  if (!path.startsWith('/')) return 'upload';
  return path.replace(/^\/v\d+\//, '').replace(/^\/+|\/+$/g, '') || 'root';
}

/** TikTok's codes are snake_case words; anything else (an HTML page's text) becomes `other`. */
function codeLabel(code: string): string {
  return /^[a-z][a-z0-9_]{0,63}$/.test(code) ? code : 'other';
}

/** One call to TikTok's API, as the client's `onCall` hook reports it. */
export interface TikTokCallRecord {
  endpoint: string;
  /** `ok`, or TikTok's error code (or the client's own: `internal_error`, `aborted`, ...). */
  code: string;
  httpStatus?: number | undefined;
  durationMs: number;
}

/** What the job-event helpers read from a BullMQ job. */
export interface JobTimes {
  timestamp?: number;
  processedOn?: number;
  finishedOn?: number;
  delay?: number;
}

export const fleetMetrics = {
  /** A job attempt ended (or stalled). */
  jobOutcome(queue: string, outcome: JobOutcome): void {
    jobs.inc({ queue, outcome });
  },

  /** A job attempt finished: how long it ran (completed, failed or retried). */
  jobFinished(queue: string, outcome: 'completed' | 'failed' | 'retried', job: JobTimes): void {
    jobs.inc({ queue, outcome });
    const seconds = secondsBetween(job.processedOn, job.finishedOn ?? Date.now());
    if (seconds !== undefined) jobDuration.observe({ queue, outcome }, seconds);
  },

  /** A job started for the first time: how long it waited for a worker after it was due. */
  jobStarted(queue: string, job: JobTimes): void {
    const due = (job.timestamp ?? 0) + (job.delay ?? 0);
    const seconds = secondsBetween(due, job.processedOn);
    if (seconds !== undefined) jobWait.observe({ queue }, seconds);
  },

  jobLockRenewalFailed(queue: string): void {
    lockRenewalFailures.inc({ queue });
  },

  /**
   * Makes `tiktok_fleet_queue_jobs` read these counts at every scrape. Only the API
   * registers one (one place polls Redis, not every worker pod). `key` names what is
   * counted (the fleet's Redis prefix): the latest source of a key is read, and the one
   * before it again once that is unregistered. Returns the unregister.
   */
  registerQueueDepth(key: string, source: DepthSource): () => void {
    return depthSources.register(key, source);
  },

  /** Bytes TikTok confirmed since the last call for this upload. */
  bytesUploaded(bytes: number): void {
    if (bytes > 0) uploadedBytes.inc(bytes);
  },

  /** An upload finished: `bytes` sent in `seconds`. */
  uploadFinished(bytes: number, seconds: number): void {
    if (bytes > 0 && seconds > 0) uploadThroughput.observe(bytes / seconds);
  },

  /** Pass as the TikTok client's `onCall`. */
  tiktokCall(call: TikTokCallRecord): void {
    const endpoint = tiktokEndpointLabel(call.endpoint);
    tiktokCalls.inc({ endpoint, code: codeLabel(call.code) });
    tiktokCallDuration.observe({ endpoint }, Math.max(0, call.durationMs) / 1000);
  },

  rateLimitWait(endpoint: string, enforcedBy: EnforcedBy): void {
    rateLimitWaits.inc({ endpoint, enforced_by: enforcedBy });
  },

  lockWait(lock: LockKind): void {
    lockWaits.inc({ lock });
  },

  dailyCapDeferral(enforcedBy: EnforcedBy): void {
    dailyCapDeferrals.inc({ enforced_by: enforcedBy });
  },

  tokenRefresh(outcome: TokenRefreshOutcome): void {
    tokenRefreshes.inc({ outcome });
  },

  /** A post reached a final status; a failed one says its error code. */
  postFinished(status: FinalPostStatus, failureCode?: string): void {
    postsFinished.inc({ status });
    if (status === 'failed') postFailures.inc({ code: codeLabel(failureCode ?? 'other') });
  },

  /** Scrape-time gauges (see scrapeTimeGauge): each returns its unregister. */
  registerOldestWaiting,
  registerOpenPosts,
  registerOldestInStatus,
  registerAccounts,
  registerDependencyUp,
  registerWorkersRunning,

  reconcilePass(): void {
    reconcilePasses.inc();
  },

  /** An open post without a live job (`jobState`: missing, failed or completed). */
  reconcileFound(status: string, jobState: string): void {
    reconcileFound.inc({ status, job_state: jobState });
  },

  reconcileRequeued(status: string, queue: 'publish' | 'status' | 'prepare'): void {
    reconcileRequeued.inc({ status, queue });
  },

  reconcileGaveUp(): void {
    reconcileGaveUp.inc();
  },
};

export type FleetMetrics = typeof fleetMetrics;
