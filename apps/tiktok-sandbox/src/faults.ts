/** Fail reasons TikTok documents for asynchronous failures (docs/tiktok-api.md, Status values). */
export const failReasons = [
  'file_format_check_failed',
  'duration_check_failed',
  'frame_rate_check_failed',
  'picture_size_check_failed',
  'internal',
  'video_pull_failed',
  'photo_pull_failed',
  'publish_cancelled',
  'auth_removed',
  'spam_risk_too_many_posts',
  'spam_risk_user_banned_from_posting',
  'spam_risk_text',
  'spam_risk',
] as const;

export interface ChunkFault {
  status: 500 | 502 | 503 | null;
  reset: boolean;
  remaining: number;
}

/**
 * Faults queued through `POST /_sandbox/faults`. Each is consumed when it fires, so a test
 * states exactly how many things go wrong and the sandbox is well-behaved again afterwards.
 */
export class FaultQueue {
  private chunk: ChunkFault[] = [];
  private latency: number[] = [];
  private rateLimits = new Map<string, number>();
  private expireTokens = 0;
  private failures: string[] = [];

  add(input: unknown): void {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new Error('A fault must be a JSON object.');
    }
    const known = ['chunk', 'latencyMs', 'rateLimit', 'expireAccessTokens', 'failReason'];
    const body = input as Record<string, unknown>;
    for (const key of Object.keys(body)) {
      if (!known.includes(key)) throw new Error(`Unknown fault "${key}".`);
    }
    // Validate everything first, so a bad body queues nothing.
    const chunk = body.chunk === undefined ? null : parseChunk(body.chunk);
    const latency = body.latencyMs === undefined ? null : count(body.latencyMs, 'latencyMs');
    const rate = body.rateLimit === undefined ? null : parseRateLimit(body.rateLimit);
    if (body.expireAccessTokens !== undefined && body.expireAccessTokens !== true) {
      throw new Error('expireAccessTokens must be true.');
    }
    const reason = body.failReason;
    if (reason !== undefined && !failReasons.includes(reason as (typeof failReasons)[number])) {
      throw new Error(`failReason must be one of ${failReasons.join(', ')}.`);
    }
    if (chunk) this.chunk.push(chunk);
    if (latency !== null) this.latency.push(latency);
    if (rate)
      this.rateLimits.set(rate.endpoint, (this.rateLimits.get(rate.endpoint) ?? 0) + rate.count);
    if (body.expireAccessTokens) this.expireTokens += 1;
    if (typeof reason === 'string') this.failures.push(reason);
  }

  takeChunk(): ChunkFault | null {
    const fault = this.chunk[0];
    if (!fault) return null;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.chunk.shift();
    return fault;
  }

  takeLatency(): number {
    return this.latency.shift() ?? 0;
  }

  takeRateLimit(endpoint: string): boolean {
    const left = this.rateLimits.get(endpoint) ?? 0;
    if (left <= 0) return false;
    this.rateLimits.set(endpoint, left - 1);
    return true;
  }

  takeTokenExpiry(): boolean {
    if (this.expireTokens <= 0) return false;
    this.expireTokens -= 1;
    return true;
  }

  takeFailReason(): string | null {
    return this.failures.shift() ?? null;
  }

  pending() {
    return {
      chunk: this.chunk.map((f) => ({ status: f.status, reset: f.reset, count: f.remaining })),
      latencyMs: [...this.latency],
      rateLimit: Object.fromEntries(this.rateLimits),
      expireAccessTokens: this.expireTokens,
      failReason: [...this.failures],
    };
  }
}

function count(value: unknown, name: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new Error(`${name} must be an integer of at least ${min}.`);
  }
  return value;
}

function parseChunk(value: unknown): ChunkFault {
  if (typeof value !== 'object' || value === null) throw new Error('chunk must be an object.');
  const { status, reset, count: n } = value as Record<string, unknown>;
  if (status !== undefined && status !== 500 && status !== 502 && status !== 503) {
    throw new Error('chunk.status must be 500, 502 or 503.');
  }
  if (reset !== undefined && typeof reset !== 'boolean')
    throw new Error('chunk.reset must be a boolean.');
  if (status === undefined && !reset) throw new Error('chunk needs a status or reset: true.');
  return {
    status: status ?? null,
    reset: reset === true,
    remaining: n === undefined ? 1 : count(n, 'chunk.count', 1),
  };
}

function parseRateLimit(value: unknown): { endpoint: string; count: number } {
  if (typeof value !== 'object' || value === null) throw new Error('rateLimit must be an object.');
  const { endpoint, count: n } = value as Record<string, unknown>;
  if (typeof endpoint !== 'string' || !endpoint.startsWith('/v2/')) {
    throw new Error(
      'rateLimit.endpoint must be a TikTok path such as /v2/post/publish/video/init/.',
    );
  }
  return { endpoint, count: n === undefined ? 1 : count(n, 'rateLimit.count', 1) };
}

/**
 * Faults that fire at a rate instead of a count: each eligible request rolls the dice. A chaos
 * run sets them once (`PATCH /_sandbox/config` `faultRates`) and lets them overlap whatever the
 * fleet does. Every rate is a probability from 0 to 1.
 */
export interface FaultRates {
  /** A chunk PUT answers 500, 502 or 503 before its body is read. */
  chunk5xx: number;
  /** A chunk PUT reads part of its body (10-90 %), then the socket is destroyed. */
  chunkReset: number;
  /** A Direct Post or inbox init answers 429 rate_limit_exceeded. */
  init429: number;
  /** A status fetch answers 500, 502 or 503. */
  status5xx: number;
  /** An authenticated request finds its access token expired (for good, as a real expiry). */
  tokenExpiry: number;
}

export type FaultRateName = keyof FaultRates;

export const faultRateNames: readonly FaultRateName[] = [
  'chunk5xx',
  'chunkReset',
  'init429',
  'status5xx',
  'tokenExpiry',
];

export const noFaultRates: FaultRates = {
  chunk5xx: 0,
  chunkReset: 0,
  init429: 0,
  status5xx: 0,
  tokenExpiry: 0,
};

/** Checks a `faultRates` patch; the fields left out keep their value. */
export function parseFaultRates(value: unknown): Partial<FaultRates> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('faultRates must be an object of probabilities.');
  }
  const rates: Partial<FaultRates> = {};
  for (const [key, rate] of Object.entries(value)) {
    if (!faultRateNames.includes(key as FaultRateName)) {
      throw new Error(`Unknown fault rate "${key}" (known: ${faultRateNames.join(', ')}).`);
    }
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
      throw new Error(`faultRates.${key} must be a number from 0 to 1.`);
    }
    rates[key as FaultRateName] = rate;
  }
  return rates;
}

/**
 * mulberry32: a small seeded generator, so a chaos run with the same seed and the same
 * sequence of requests meets the same faults.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rolls the rate faults with one seeded generator and counts what fired. */
export class RateFaults {
  private random: () => number;
  readonly fired: Record<FaultRateName, number> = { ...noFaultRates };

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  /** True when the fault fires this time; a rate of 0 never rolls (the sequence stays put). */
  roll(rates: FaultRates, name: FaultRateName): boolean {
    const rate = rates[name];
    if (rate <= 0) return false;
    if (this.random() >= rate) return false;
    this.fired[name] += 1;
    return true;
  }

  /** A uniform pick from `options`, for the status code of a 5xx or where a reset cuts. */
  pick<T>(options: readonly T[]): T {
    return options[Math.floor(this.random() * options.length)] as T;
  }

  fraction(min: number, max: number): number {
    return min + this.random() * (max - min);
  }
}
