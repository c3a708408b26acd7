/** Fail reasons TikTok documents for asynchronous failures (tiktok-api.md §3.6). */
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
