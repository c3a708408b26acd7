import { DEFAULT_PREFIX } from '../connection';
import { checkPrefix, fleetKey } from '../keys';
import type { RedisClient } from '../scripts';

/**
 * The Research API's daily budget, shared by every process of the fleet: one Redis hash per
 * UTC day (`<prefix>:research:budget:<YYYY-MM-DD>`, fields `requests` and `records`), so it
 * survives restarts and two processes never spend the same request. TikTok resets its quotas
 * at 00:00 UTC (docs/tiktok-api.md, Research API), hence a calendar day, not a rolling 24 h.
 * Structurally the `ResearchBudget` of `@tiktok-fleet/tiktok`.
 */
export interface DailyResearchBudgetOptions {
  prefix?: string;
  requestLimit: number;
  recordLimit: number;
}

interface Counter {
  used: number;
  limit: number;
}

export interface DailyBudgetUsage {
  day: string;
  requests: Counter;
  records: Counter;
  resetsAt: Date;
}

export interface DailyBudgetReservation extends DailyBudgetUsage {
  allowed: boolean;
  grantedRecords: number;
}

const DAY_MS = 86_400_000;
/** A day's hash outlives its day by one more, for whoever reads yesterday's figures. */
const KEEP_SECONDS = 2 * 24 * 3600;

// One request and what is left of the wanted records, or nothing; atomically.
const RESERVE = `
local requests = tonumber(redis.call('HGET', KEYS[1], 'requests') or '0')
local records = tonumber(redis.call('HGET', KEYS[1], 'records') or '0')
local requestLimit, recordLimit, want = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if requests >= requestLimit or (want > 0 and records >= recordLimit) then
  return {0, requests, records, 0}
end
local grant = math.min(want, recordLimit - records)
requests = redis.call('HINCRBY', KEYS[1], 'requests', 1)
records = redis.call('HINCRBY', KEYS[1], 'records', grant)
redis.call('EXPIRE', KEYS[1], ARGV[4])
return {1, requests, records, grant}
`;

export function utcDayOf(now: Date): { day: string; resetsAt: Date } {
  const start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return { day: new Date(start).toISOString().slice(0, 10), resetsAt: new Date(start + DAY_MS) };
}

export class DailyResearchBudget {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  readonly requestLimit: number;
  readonly recordLimit: number;

  constructor(redis: RedisClient, options: DailyResearchBudgetOptions) {
    this.#redis = redis;
    this.#prefix = checkPrefix(options.prefix ?? DEFAULT_PREFIX);
    this.requestLimit = options.requestLimit;
    this.recordLimit = options.recordLimit;
  }

  async reserve(now: Date, records: number): Promise<DailyBudgetReservation> {
    const { day, resetsAt } = utcDayOf(now);
    const reply = (await this.#redis.eval(
      RESERVE,
      1,
      this.#key(day),
      this.requestLimit,
      this.recordLimit,
      Math.max(0, Math.floor(records)),
      KEEP_SECONDS,
    )) as number[];
    const [allowed, requests, used, granted] = reply.map(Number);
    return {
      ...this.#usage(day, resetsAt, requests ?? 0, used ?? 0),
      allowed: allowed === 1,
      grantedRecords: granted ?? 0,
    };
  }

  async settle(reservation: DailyBudgetReservation, received: number): Promise<DailyBudgetUsage> {
    const unused = Math.max(0, reservation.grantedRecords - received);
    const key = this.#key(reservation.day);
    if (unused > 0) await this.#redis.hincrby(key, 'records', -unused);
    return this.#read(reservation.day, reservation.resetsAt);
  }

  /** The usage of `now`'s UTC day, for /metrics and for tests. */
  async usage(now: Date): Promise<DailyBudgetUsage> {
    const { day, resetsAt } = utcDayOf(now);
    return this.#read(day, resetsAt);
  }

  /** Sets a day's counters (operators correcting the count from TikTok's, and tests). */
  async set(now: Date, counts: { requests: number; records: number }): Promise<void> {
    const key = this.#key(utcDayOf(now).day);
    await this.#redis.hset(key, 'requests', counts.requests, 'records', counts.records);
    await this.#redis.expire(key, KEEP_SECONDS);
  }

  async #read(day: string, resetsAt: Date): Promise<DailyBudgetUsage> {
    const [requests, records] = await this.#redis.hmget(this.#key(day), 'requests', 'records');
    return this.#usage(day, resetsAt, Number(requests ?? 0), Number(records ?? 0));
  }

  #usage(day: string, resetsAt: Date, requests: number, records: number): DailyBudgetUsage {
    return {
      day,
      requests: { used: requests, limit: this.requestLimit },
      records: { used: records, limit: this.recordLimit },
      resetsAt,
    };
  }

  #key(day: string): string {
    return fleetKey(this.#prefix, 'research', 'budget', day);
  }
}
