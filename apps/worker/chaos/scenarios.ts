import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@tiktok-fleet/testing/ports';
import { startTcpProxy } from '@tiktok-fleet/testing/tcp-proxy';
import type { Sandbox } from '@tiktok-fleet/tiktok-sandbox';
import { ChaosFleet, FINAL } from './fleet';
import { measure, type Outcome } from './outcome';
import { OwnRedis } from './redis-server';
import { noFaultRates, SandboxControl } from './sandbox-control';
import type { ChaosVideo } from './videos';

export interface ScenarioContext {
  root: string;
  logDir: string;
  sandbox: Sandbox;
  mediaRoot: string;
  videos: ChaosVideo[];
  /** The shared Redis (scenario c brings its own). */
  redisUrl: string;
  /** A fresh migrated database for one fleet. */
  newDatabase: () => Promise<{ url: string; drop: () => Promise<void> }>;
}

/** Each TikTok call waits this long before the sandbox reads it: uploads take seconds. */
const THROTTLE_MS = 250;
/** SIGTERM must end a worker within SHUTDOWN_GRACE_MS plus this (closing its connections). */
const EXIT_MARGIN_MS = 2_000;
const GRACE_MS = 3_000;

interface FleetShape {
  workers: number;
  accounts: number;
  redisUrl?: string;
  fleetDatabaseUrl?: (url: string) => Promise<string>;
}

/**
 * Runs `body` against a fresh fleet (database, Redis prefix, API, workers, accounts) with
 * uploads throttled, measures what it left at its end, and tears everything down.
 */
async function withFleet(
  ctx: ScenarioContext,
  name: string,
  shape: FleetShape,
  body: (fleet: ChaosFleet, notes: string[]) => Promise<void>,
): Promise<Outcome> {
  const control = new SandboxControl(ctx.sandbox.url);
  await control.configure({ latencyMs: 0, faultRates: noFaultRates, faultSeed: 8 });
  await control.reset();
  const database = await ctx.newDatabase();
  const fleet = new ChaosFleet({
    root: ctx.root,
    tag: name.split(' ')[0] as string,
    logDir: ctx.logDir,
    sandbox: ctx.sandbox,
    mediaRoot: ctx.mediaRoot,
    videos: ctx.videos,
    redisUrl: shape.redisUrl ?? ctx.redisUrl,
    databaseUrl: database.url,
    fleetDatabaseUrl: shape.fleetDatabaseUrl
      ? await shape.fleetDatabaseUrl(database.url)
      : undefined,
    workers: shape.workers,
    accounts: shape.accounts,
    workerEnv: { SHUTDOWN_GRACE_MS: String(GRACE_MS) },
  });
  const notes: string[] = [];
  try {
    await fleet.start();
    await control.configure({ latencyMs: THROTTLE_MS });
    const started = Date.now();
    await body(fleet, notes);
    return await measure(fleet, name, started, notes);
  } finally {
    await control.configure({ latencyMs: 0, faultRates: noFaultRates });
    await fleet.close();
    await database.drop();
  }
}

async function postMany(fleet: ChaosFleet, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const answer = await fleet.post();
    if (!answer.postId) throw new Error(`POST /v1/posts answered ${answer.status} ${answer.code}`);
  }
}

/**
 * Waits until `target` posts are final, or the count stopped moving for 20 s (stuck posts
 * can hold it back for good), or the deadline.
 */
async function waitForFinal(fleet: ChaosFleet, target: number, deadline: number): Promise<void> {
  let last = -1;
  let movedAt = Date.now();
  while (Date.now() < deadline && Date.now() - movedAt < 20_000) {
    const statuses = await fleet.postStatuses().catch(() => new Map<string, string>());
    const final = [...statuses.values()].filter((s) => FINAL.includes(s)).length;
    if (final >= target) return;
    if (final !== last) {
      last = final;
      movedAt = Date.now();
    }
    await sleep(250);
  }
}

/**
 * Kills (or stops) `times` workers, each while it sends a chunk, starting a new one each time.
 * The signals are spread over the run: the k-th waits until k/(times+2) of the posts are final.
 */
async function signalIntoUploads(
  fleet: ChaosFleet,
  signal: NodeJS.Signals,
  times: number,
  deadline: number,
): Promise<number[]> {
  const exitMs: number[] = [];
  const booting: Promise<void>[] = [];
  for (let i = 0; i < times; i++) {
    await waitForFinal(fleet, Math.floor((i * fleet.accepted.length) / (times + 2)), deadline);
    const looking = Date.now();
    const victim = await fleet.workerMidUpload(Math.min(deadline, Date.now() + 60_000));
    if (!victim) {
      console.log(`  ${signal} ${i + 1}: no worker mid-upload (${Date.now() - looking} ms)`);
      break;
    }
    console.log(
      `  ${signal} ${i + 1}: ${victim.process.name} mid-upload after ${Date.now() - looking} ms`,
    );
    const sent = Date.now();
    victim.process.signal(signal);
    const exit = await victim.process.exited;
    exitMs.push(exit.at - sent);
    // The replacement boots while the run goes on; the next victim is a worker that is up.
    booting.push((await fleet.spawnWorker()).ready);
  }
  await Promise.all(booting);
  return exitMs;
}

export interface KillsOptions {
  posts: number;
  kills: number;
  workers: number;
  accounts: number;
  deadlineMs: number;
}

/** (a) SIGKILLs of worker processes timed into uploads, each followed by a new worker. */
export function sigkills(ctx: ScenarioContext, name: string, o: KillsOptions): Promise<Outcome> {
  return withFleet(ctx, name, o, async (fleet, notes) => {
    const deadline = Date.now() + o.deadlineMs;
    await postMany(fleet, o.posts);
    const kills = await signalIntoUploads(fleet, 'SIGKILL', o.kills, deadline);
    notes.push(`${kills.length} SIGKILLs into uploads`);
    await fleet.waitAllFinal(deadline);
  });
}

export interface StopsOptions {
  posts: number;
  stops: number;
  workers: number;
  accounts: number;
  deadlineMs: number;
}

/** Where a post's upload stands in the database: who holds it (fence), how far it got. */
interface UploadMark {
  status: string;
  fence: bigint | null;
  bytes: bigint;
}

async function uploadMarks(fleet: ChaosFleet): Promise<Map<string, UploadMark>> {
  const posts = await fleet.posts.listWithEvents(fleet.accepted.map((p) => p.postId));
  return new Map(
    posts.map((p) => [p.id, { status: p.status, fence: p.uploadFence, bytes: p.uploadedBytes }]),
  );
}

/**
 * Waits until every post that was uploading when a worker stopped has moved on without it:
 * final, claimed by a newer holder (its fence grew: another worker took the job over), or
 * progressing under the same fence (so it was never the stopped worker's). Answers how many
 * were taken over, or null at the deadline.
 */
async function waitTakenOver(
  fleet: ChaosFleet,
  before: Map<string, UploadMark>,
  deadline: number,
): Promise<number | null> {
  const watched = [...before].filter(([, m]) => m.status === 'uploading');
  while (Date.now() < deadline) {
    const now = await uploadMarks(fleet).catch(() => new Map<string, UploadMark>());
    let takenOver = 0;
    let waiting = 0;
    for (const [id, was] of watched) {
      const is = now.get(id);
      if (!is) continue;
      if ((is.fence ?? 0n) > (was.fence ?? 0n)) takenOver += 1;
      else if (!FINAL.includes(is.status) && is.bytes === was.bytes) waiting += 1;
    }
    if (waiting === 0) return takenOver;
    await sleep(100);
  }
  return null;
}

/** Misses (a SIGSTOP that took nothing over) retried per stop; one more counts as a 0. */
const MAX_MISSES = 3;

/**
 * (f) A worker that is not dead but stalled: SIGSTOP (every thread, timers and sockets
 * included, as a long GC pause, a starved process or a frozen VM would) while it sends a
 * chunk, held until another worker took its uploads over (BullMQ handed the jobs on once the
 * job locks ran out, and the same job id took the account's lease back), then SIGCONT: the
 * first worker wakes with a chunk in flight and a stale fence, beside the one that resumed
 * its upload.
 */
export function sigstops(ctx: ScenarioContext, name: string, o: StopsOptions): Promise<Outcome> {
  return withFleet(ctx, name, o, async (fleet, notes) => {
    const deadline = Date.now() + o.deadlineMs;
    await postMany(fleet, o.posts);
    const takeovers: number[] = [];
    const missed: number[] = [];
    stops: for (let i = 0; i < o.stops; i++) {
      await waitForFinal(fleet, Math.floor((i * fleet.accepted.length) / (o.stops + 2)), deadline);
      // A stop can catch a worker whose chunk in flight was its upload's last, or belonged to
      // a post already past 'uploading': nothing is left for a survivor to take over, and the
      // stop tested nothing. After such a miss a worker is stopped again, up to MAX_MISSES times.
      for (let misses = 0; ; ) {
        const victim = await fleet.workerMidUpload(Math.min(deadline, Date.now() + 60_000));
        if (!victim) {
          console.log(`  SIGSTOP ${i + 1}: no worker mid-upload`);
          break stops;
        }
        const before = await uploadMarks(fleet);
        victim.process.signal('SIGSTOP');
        let taken: number | null;
        try {
          taken = await waitTakenOver(fleet, before, deadline);
        } finally {
          victim.process.signal('SIGCONT');
        }
        console.log(`  SIGSTOP ${i + 1}: ${victim.process.name}, ${taken} upload(s) taken over`);
        if (taken === null) break stops;
        if (taken === 0 && ++misses <= MAX_MISSES) continue;
        takeovers.push(taken);
        missed.push(misses);
        break;
      }
    }
    notes.push(
      `${takeovers.length} SIGSTOPs into uploads, uploads taken over while stopped: ${takeovers.join(', ')}`,
    );
    if (missed.some((m) => m > 0))
      notes.push(`SIGSTOPs that took nothing over, stopped again: ${missed.join(', ')}`);
    await fleet.waitAllFinal(deadline);
  });
}

/** (b) TikTok misbehaving at random, and every access token expired once mid-run. */
export function tiktokFaults(ctx: ScenarioContext): Promise<Outcome> {
  const name = 'b TikTok faults';
  return withFleet(ctx, name, { workers: 3, accounts: 10 }, async (fleet, notes) => {
    const deadline = Date.now() + 5 * 60_000;
    await fleet.control.configure({
      faultRates: { chunk5xx: 0.05, chunkReset: 0.05, init429: 0.02, status5xx: 0.05 },
      faultSeed: 2026,
    });
    await postMany(fleet, 30);
    // Mid-run: once a third of the posts are final, every access token expires.
    for (;;) {
      const statuses = await fleet.postStatuses();
      const final = [...statuses.values()].filter((s) => FINAL.includes(s)).length;
      if (final >= 10 || Date.now() > deadline) break;
      await sleep(250);
    }
    const { expired } = await fleet.control.expireTokens();
    notes.push(`${expired} access tokens expired mid-run`);
    await fleet.waitAllFinal(deadline);
  });
}

/** (c) `kill -9` of an AOF Redis with posts in flight; two posts sent during the outage. */
export async function redisKill(ctx: ScenarioContext): Promise<Outcome> {
  const redis = new OwnRedis(
    await freePort(),
    join(ctx.root, '.tmp', 'chaos', `redis-${randomBytes(3).toString('hex')}`),
  );
  await redis.start();
  try {
    return await withFleet(
      ctx,
      'c Redis kill -9',
      { workers: 3, accounts: 10, redisUrl: redis.url },
      async (fleet, notes) => {
        const deadline = Date.now() + 4 * 60_000;
        await postMany(fleet, 20);
        // In flight: uploads running at TikTok.
        while (Date.now() < deadline) {
          const uploading = await fleet.posts.countMidUpload();
          if (uploading >= 3) break;
          await sleep(50);
        }
        await redis.kill9();
        const during = [await fleet.post(), await fleet.post()];
        notes.push(
          `posted during the outage: ${during.map((a) => `${a.status} ${a.code ?? ''}`.trim()).join(', ')}`,
        );
        // Down until every worker says it is not ready (it pings Redis), at most 20 s.
        const until = Date.now() + 20_000;
        while (Date.now() < until) {
          const ready = await Promise.all(
            fleet.running().map((w) =>
              fetch(`http://127.0.0.1:${w.healthPort}/readyz`, {
                signal: AbortSignal.timeout(3_000),
              })
                .then((r) => r.ok)
                .catch(() => false),
            ),
          );
          if (!ready.some(Boolean)) break;
          await sleep(200);
        }
        await redis.start();
        await fleet.waitAllFinal(deadline);
      },
    );
  } finally {
    await redis.stop();
    await redis.removeData();
  }
}

/** (d) PostgreSQL unreachable for 15 s behind a TCP proxy while posts keep coming. */
export async function postgresCut(ctx: ScenarioContext): Promise<Outcome> {
  let proxy: Awaited<ReturnType<typeof startTcpProxy>> | null = null;
  const viaProxy = async (url: string) => {
    proxy = await startTcpProxy(url.replace(/^postgresql:/, 'redis:'));
    const target = new URL(url);
    target.port = new URL(proxy.url).port;
    return target.toString();
  };
  try {
    return await withFleet(
      ctx,
      'd PostgreSQL cut 15 s',
      { workers: 3, accounts: 10, fleetDatabaseUrl: viaProxy },
      async (fleet, notes) => {
        const deadline = Date.now() + 4 * 60_000;
        let polling = true;
        // A backend watching its posts through the API all along.
        const poller = (async () => {
          while (polling) {
            const post = fleet.accepted[Math.floor(Math.random() * fleet.accepted.length)];
            if (post) await fleet.getPost(post.postId);
            await sleep(300);
          }
        })();
        let cutAt = 0;
        for (let i = 0; i < 20; i++) {
          if (i === 6) {
            proxy?.cut();
            cutAt = Date.now();
            setTimeout(() => proxy?.restore(), 15_000);
          }
          await fleet.post({ retries: 20 });
          await sleep(750);
        }
        if (Date.now() - cutAt < 15_000) await sleep(15_000 - (Date.now() - cutAt));
        await fleet.waitAllFinal(deadline);
        polling = false;
        await poller;
        const answers = [...fleet.apiAnswers.entries()].sort(([a], [b]) => a - b);
        notes.push(
          `API answers: ${answers.map(([s, n]) => `${s === 0 ? 'no answer' : s} x${n}`).join(', ')}; ` +
            `HTTP 500: ${fleet.apiAnswers.get(500) ?? 0}`,
        );
      },
    );
  } finally {
    await (proxy as Awaited<ReturnType<typeof startTcpProxy>> | null)?.close();
  }
}

/** (e) SIGTERM of workers under load: each must exit within the grace period plus a margin. */
export function sigterms(ctx: ScenarioContext): Promise<Outcome> {
  return withFleet(
    ctx,
    'e SIGTERM under load',
    { workers: 3, accounts: 8 },
    async (fleet, notes) => {
      const deadline = Date.now() + 4 * 60_000;
      await postMany(fleet, 20);
      const exits = await signalIntoUploads(fleet, 'SIGTERM', 4, deadline);
      const late = exits.filter((ms) => ms > GRACE_MS + EXIT_MARGIN_MS).length;
      notes.push(
        `SIGTERM exits (grace ${GRACE_MS} ms + ${EXIT_MARGIN_MS} ms): ` +
          `${exits.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}; late: ${late}`,
      );
      await fleet.waitAllFinal(deadline);
    },
  );
}

export const scenarios: Record<string, (ctx: ScenarioContext) => Promise<Outcome>> = {
  a: (ctx) =>
    sigkills(ctx, 'a 10 SIGKILLs', {
      posts: 50,
      kills: 10,
      workers: 3,
      accounts: 10,
      deadlineMs: 6 * 60_000,
    }),
  b: tiktokFaults,
  c: redisKill,
  d: postgresCut,
  e: sigterms,
  f: (ctx) =>
    sigstops(ctx, 'f 6 SIGSTOPs', {
      posts: 30,
      stops: 6,
      workers: 3,
      accounts: 10,
      deadlineMs: 5 * 60_000,
    }),
};
