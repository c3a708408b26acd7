import { readdirSync, readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

/** A client the fleet's scripts can run on: a single Redis or a cluster (one slot per prefix). */
export type RedisClient = Redis | Cluster;

type Reply = Array<string | number>;

/**
 * The scripts in ./commands, as ioredis commands. Keys come first, then arguments, as in
 * each script's Input header. Names carry a `tf` prefix so they never collide with the
 * commands BullMQ defines on a shared client.
 */
export interface FleetCommands {
  tfLeaseAcquire(lease: string, fence: string, token: string, ttlMs: number): Promise<Reply>;
  tfLeaseRenew(lease: string, holder: string, ttlMs: number): Promise<number>;
  tfLeaseRelease(lease: string, holder: string): Promise<number>;
  tfLeaseReleasePop(
    lease: string,
    waiters: string,
    holder: string,
  ): Promise<[number, string | null]>;
  tfWindowReserve(
    window: string,
    reservationId: string,
    cap: number,
    windowMs: number,
    nowMs: number | '',
  ): Promise<Reply>;
  tfWindowPeek(window: string, windowMs: number, nowMs: number | ''): Promise<number[]>;
  tfRateLimitAcquire(
    limiter: string,
    limit: number,
    windowMs: number,
    callId: string,
    nowMs: number | '',
  ): Promise<number[]>;
  tfJobLiveness(
    queuePrefix: string,
    completed: string,
    failed: string,
    delayed: string,
    ...jobIds: string[]
  ): Promise<number[]>;
  tfInitAdmit(
    window: string,
    limiter: string,
    reservationId: string,
    cap: number,
    windowMs: number,
    limit: number,
    rateWindowMs: number,
    callId: string,
    nowMs: number | '',
  ): Promise<Reply>;
  tfWebhookRecord(
    seen: string,
    outcome: string,
    event: string,
    postId: string,
    ttlSec: number,
    seenTtlSec: number,
  ): Promise<[number, string?]>;
  tfWebhookWatch(outcome: string, jobId: string, ttlSec: number): Promise<number>;
}

const commandsDir = new URL('./commands/', import.meta.url);

/** `lease-acquire-2.lua` → `tfLeaseAcquire` with 2 keys (BullMQ's naming). */
function parseScriptName(file: string): { name: string; numberOfKeys: number } | undefined {
  const match = /^([a-z-]+)-(\d+)\.lua$/.exec(file);
  if (!match?.[1] || !match[2]) return undefined;
  const camel = match[1].replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  return { name: `tf${camel[0]?.toUpperCase()}${camel.slice(1)}`, numberOfKeys: Number(match[2]) };
}

const includesDir = new URL('./includes/', commandsDir);

/**
 * `-- @include name.lua` lines are replaced by commands/includes/name.lua: logic several
 * scripts share (the sliding window) lives once, and each script is still one EVALSHA.
 */
function withIncludes(lua: string): string {
  return lua.replace(/^-- @include ([a-z-]+\.lua)$/gm, (_, name: string) =>
    readFileSync(new URL(name, includesDir), 'utf8'),
  );
}

// Read once per process: the files ship with the source (no build step).
const scripts = readdirSync(commandsDir).flatMap((file) => {
  const parsed = parseScriptName(file);
  return parsed
    ? [{ ...parsed, lua: withIncludes(readFileSync(new URL(file, commandsDir), 'utf8')) }]
    : [];
});

const defined = new WeakSet<RedisClient>();

/**
 * Defines the fleet's scripts on a client (once per client) and returns it typed with them.
 * ioredis sends EVALSHA and falls back to EVAL when the server has not seen a script yet.
 */
export function fleetCommands(redis: RedisClient): FleetCommands {
  if (!defined.has(redis)) {
    for (const { name, numberOfKeys, lua } of scripts) {
      redis.defineCommand(name, { numberOfKeys, lua });
    }
    defined.add(redis);
  }
  // defineCommand adds the methods at run time; FleetCommands is their declared shape.
  return redis as unknown as FleetCommands;
}
