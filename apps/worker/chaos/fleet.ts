import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createAccountRepository,
  createPostRepository,
  createPrismaClient,
  type Db,
  type PostRepository,
  parseTokenKeyring,
  TokenCipher,
} from '@tiktok-fleet/db';
import { FINAL_STATUSES } from '@tiktok-fleet/posts/rules';
import type { RedisClient } from '@tiktok-fleet/queue';
import { closeQueues, createQueues, type FleetQueues, redisConnection } from '@tiktok-fleet/queue';
import { freePort } from '@tiktok-fleet/testing/ports';
import { deleteKeysUnder } from '@tiktok-fleet/testing/redis-keys';
import { createTikTokClient, type TikTokClient } from '@tiktok-fleet/tiktok';
import type { Sandbox } from '@tiktok-fleet/tiktok-sandbox';
import { CallbackReceiver } from './callbacks';
import { FleetProcess } from './process';
import { SandboxControl } from './sandbox-control';
import { groupsUploadingTo } from './uploaders';
import type { ChaosVideo } from './videos';

export const OWNER = 'chaos-owner';
const REDIRECT_URI = 'https://backend.example/api/integrations/tiktok/callback';
const SCOPES = ['user.info.basic', 'user.info.profile', 'video.list', 'video.publish'];
const MiB = 1024 * 1024;
export const FINAL: readonly string[] = FINAL_STATUSES;

export interface ChaosFleetOptions {
  root: string;
  /** Names the run's processes, database, Redis prefix and captions. */
  tag: string;
  logDir: string;
  sandbox: Sandbox;
  /** Videos already inside `mediaRoot` (by name). */
  mediaRoot: string;
  videos: ChaosVideo[];
  redisUrl: string;
  /** A migrated database of the fleet's own; the harness reads it directly. */
  databaseUrl: string;
  /** What the API and workers use to reach the database (a TCP proxy, say); default databaseUrl. */
  fleetDatabaseUrl?: string;
  workers: number;
  accounts: number;
  workerEnv?: Record<string, string>;
}

export interface PostAnswer {
  status: number;
  postId: string | null;
  code: string | null;
}

export interface AcceptedPost {
  postId: string;
  caption: string;
  video: ChaosVideo;
}

export interface WorkerSlot {
  index: number;
  process: FleetProcess;
  healthPort: number;
  /** Resolves once its /readyz answered; `isReady` says whether that happened yet. */
  ready: Promise<void>;
  isReady: boolean;
}

/**
 * One fleet as processes: an API (receives TikTok's webhooks, takes `POST /v1/posts`), N
 * workers (`apps/worker/src/main.ts`), all on the sandbox given, a database and a Redis
 * prefix of their own, and a callback receiver. Accounts are connected through the sandbox's
 * OAuth and stored the way the API stores them.
 */
export class ChaosFleet {
  readonly prefix: string;
  readonly control: SandboxControl;
  readonly callbacks = new CallbackReceiver();
  readonly workers: WorkerSlot[] = [];
  readonly accepted: AcceptedPost[] = [];
  /** Every HTTP status the API answered to the harness, counted. */
  readonly apiAnswers = new Map<number, number>();
  accountIds: string[] = [];
  db!: Db;
  posts!: PostRepository;
  redis!: RedisClient;
  queues!: FleetQueues;
  api!: FleetProcess;
  apiUrl = '';
  private apiKey = `tf_chaos_${randomBytes(16).toString('hex')}`;
  private encryptionKey = `chaos:${randomBytes(32).toString('base64')}`;
  private callbackSecret = randomBytes(24).toString('hex');
  private tiktok: TikTokClient;
  private workerCount = 0;
  private posted = 0;

  constructor(readonly options: ChaosFleetOptions) {
    this.prefix = `{tf-chaos-${options.tag}-${randomBytes(3).toString('hex')}}`;
    this.control = new SandboxControl(options.sandbox.url);
    this.tiktok = createTikTokClient({
      clientKey: options.sandbox.clientKey,
      clientSecret: options.sandbox.clientSecret,
      apiBaseUrl: options.sandbox.url,
      authUrl: options.sandbox.authorizeUrl,
    });
  }

  private env(): Record<string, string> {
    const { sandbox } = this.options;
    return {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      TIKTOK_CLIENT_KEY: sandbox.clientKey,
      TIKTOK_CLIENT_SECRET: sandbox.clientSecret,
      TIKTOK_API_BASE_URL: sandbox.url,
      TIKTOK_AUTH_URL: sandbox.authorizeUrl,
      REDIS_URL: this.options.redisUrl,
      REDIS_PREFIX: this.prefix,
      DATABASE_URL: this.options.fleetDatabaseUrl ?? this.options.databaseUrl,
      DATABASE_POOL_SIZE: '4',
      TOKEN_ENCRYPTION_KEY: this.encryptionKey,
      CALLBACK_SIGNING_SECRET: this.callbackSecret,
      MEDIA_ROOT: this.options.mediaRoot,
      API_KEYS: `${OWNER}:${this.apiKey}`,
      // The callback receiver listens on 127.0.0.1.
      URL_SOURCE_ALLOW_PRIVATE: 'true',
    };
  }

  async start(): Promise<void> {
    const { databaseUrl, redisUrl } = this.options;
    this.db = createPrismaClient(databaseUrl, { poolSize: 4 });
    this.posts = createPostRepository(this.db);
    this.redis = redisConnection(redisUrl, 'worker');
    this.redis.on('error', () => undefined);
    this.queues = createQueues(this.redis, { prefix: this.prefix, onError: () => undefined });
    await this.callbacks.start();
    const apiPort = await freePort();
    this.apiUrl = `http://127.0.0.1:${apiPort}`;
    await this.control.configure({
      webhookUrl: `${this.apiUrl}/api/integrations/tiktok/webhook`,
    });
    this.api = new FleetProcess(
      this.options.root,
      `${this.options.tag}-api`,
      'apps/api/src/main.ts',
      { ...this.env(), PORT: String(apiPort), HOST: '127.0.0.1', BACKEND_URL: this.apiUrl },
      this.options.logDir,
    );
    const booting = [this.api.ready(`${this.apiUrl}/readyz`)];
    for (let i = 0; i < this.options.workers; i++) booting.push(this.startWorker().then(() => {}));
    this.accountIds = await this.connectAccounts(this.options.accounts);
    await Promise.all(booting);
  }

  /** Starts one more worker process and resolves once its /readyz answers. */
  async startWorker(extra: Record<string, string> = {}): Promise<WorkerSlot> {
    const slot = await this.spawnWorker(extra);
    await slot.ready;
    return slot;
  }

  /** Starts one more worker process; its `ready` resolves once /readyz answers. */
  async spawnWorker(extra: Record<string, string> = {}): Promise<WorkerSlot> {
    const healthPort = await freePort();
    this.workerCount += 1;
    const process = new FleetProcess(
      this.options.root,
      `${this.options.tag}-worker${this.workerCount}`,
      'apps/worker/src/main.ts',
      {
        ...this.env(),
        WORKER_CONCURRENCY: '2',
        WORKER_METRICS_PORT: String(healthPort),
        UPLOAD_CHUNK_SIZE_BYTES: String(5 * MiB),
        // A crashed worker's jobs are picked up within seconds, not 30.
        WORKER_LOCK_DURATION_MS: '2000',
        WORKER_STALLED_INTERVAL_MS: '1000',
        // A reconciler pass every 5 s, not 30: a post stored during an outage starts within
        // seconds of Redis coming back.
        RECONCILE_INTERVAL_MS: '5000',
        SHUTDOWN_GRACE_MS: '3000',
        ...this.options.workerEnv,
        ...extra,
      },
      this.options.logDir,
    );
    const slot: WorkerSlot = {
      index: this.workerCount,
      process,
      healthPort,
      isReady: false,
      ready: process.ready(`http://127.0.0.1:${healthPort}/readyz`).then(() => {
        slot.isReady = true;
      }),
    };
    // Handled here so a worker that dies while booting is not an unhandled rejection; whoever
    // awaits `ready` still sees the error.
    slot.ready.catch(() => undefined);
    this.workers.push(slot);
    return slot;
  }

  running(): WorkerSlot[] {
    return this.workers.filter((w) => w.process.running);
  }

  private async connectAccounts(count: number): Promise<string[]> {
    const repo = createAccountRepository(
      this.db,
      new TokenCipher(parseTokenKeyring({ TOKEN_ENCRYPTION_KEY: this.encryptionKey })),
    );
    // Auto-approve without an open id makes a new creator for each authorization.
    await this.control.configure({ autoApprove: true, autoApproveOpenId: null });
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const url = this.tiktok.buildAuthorizeUrl({
        redirectUri: REDIRECT_URI,
        scopes: SCOPES,
        state: randomBytes(16).toString('base64url'),
      });
      const res = await fetch(url, { redirect: 'manual' });
      const code = new URL(res.headers.get('location') ?? '').searchParams.get('code');
      if (!code) throw new Error(`the sandbox did not authorize: HTTP ${res.status}`);
      const tokens = await this.tiktok.exchangeCode({ code, redirectUri: REDIRECT_URI });
      const account = await repo.upsertByOpenId({
        ownerId: OWNER,
        openId: tokens.openId,
        unionId: null,
        displayName: `chaos ${i}`,
        username: `chaos_${i}`,
        avatarUrl: null,
        grantedScopes: tokens.scopes,
        tokens,
      });
      ids.push(account.id);
    }
    return ids;
  }

  private count(status: number): void {
    this.apiAnswers.set(status, (this.apiAnswers.get(status) ?? 0) + 1);
  }

  /**
   * `POST /v1/posts` through the API: the next post, round-robin over accounts and videos.
   * A 503 with a post id (saved, Redis away) counts as accepted: the fleet owes it a
   * publish without a retry by the caller. `retries` retries a 5xx (or no answer) without a
   * post id with the same Idempotency-Key, after its Retry-After capped at 2 s, the way a
   * backend would (at most `retries` times).
   */
  async post(options: { retries?: number } = {}): Promise<PostAnswer> {
    const n = this.posted++;
    const video = this.options.videos[n % this.options.videos.length] as ChaosVideo;
    const caption = `chaos ${this.options.tag} #${n}`;
    const body = JSON.stringify({
      accountId: this.accountIds[n % this.accountIds.length],
      video: { path: video.name },
      caption,
      privacyLevel: 'PUBLIC_TO_EVERYONE',
      callbackUrl: `${this.callbacks.url}/${n}`,
    });
    const key = `chaos-${this.options.tag}-${n}`;
    for (let attempt = 0; ; attempt++) {
      let answer: PostAnswer;
      let retryAfter = 1;
      try {
        const res = await fetch(`${this.apiUrl}/v1/posts`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${this.apiKey}`,
            'content-type': 'application/json',
            'idempotency-key': key,
          },
          body,
          signal: AbortSignal.timeout(30_000),
        });
        const json = (await res.json().catch(() => ({}))) as {
          id?: string;
          error?: { code?: string; details?: { postId?: string } };
        };
        this.count(res.status);
        retryAfter = Number(res.headers.get('retry-after') ?? 1) || 1;
        answer = {
          status: res.status,
          postId: json.id ?? json.error?.details?.postId ?? null,
          code: json.error?.code ?? null,
        };
      } catch (error) {
        this.count(0);
        answer = { status: 0, postId: null, code: (error as Error).message };
      }
      const retry = (answer.status === 0 || answer.status >= 500) && answer.postId === null;
      if (retry && attempt < (options.retries ?? 0)) {
        await sleep(Math.min(retryAfter, 2) * 1000);
        continue;
      }
      if (answer.postId && !this.accepted.some((p) => p.postId === answer.postId)) {
        this.accepted.push({ postId: answer.postId, caption, video });
      }
      return answer;
    }
  }

  /** `GET /v1/posts/:id` through the API; the status code only (for counting 500s). */
  async getPost(postId: string): Promise<number> {
    try {
      const res = await fetch(`${this.apiUrl}/v1/posts/${postId}`, {
        headers: { authorization: `Bearer ${this.apiKey}` },
        signal: AbortSignal.timeout(30_000),
      });
      await res.arrayBuffer();
      this.count(res.status);
      return res.status;
    } catch {
      this.count(0);
      return 0;
    }
  }

  async postStatuses(): Promise<Map<string, string>> {
    return this.posts.statusesOfAll();
  }

  /** Polls until every accepted post is final or the deadline passes; true when all are. */
  async waitAllFinal(deadline: number): Promise<boolean> {
    for (;;) {
      const statuses = await this.postStatuses().catch(() => new Map<string, string>());
      const open = this.accepted.filter((p) => !FINAL.includes(statuses.get(p.postId) ?? ''));
      if (open.length === 0) return true;
      if (Date.now() > deadline) return false;
      await sleep(250);
    }
  }

  /**
   * Waits until a post is `uploading` with bytes at TikTok and a running worker is sending a
   * chunk body to the sandbox, and returns that worker (null at the deadline).
   */
  async workerMidUpload(deadline: number): Promise<WorkerSlot | null> {
    const sandboxPort = Number(new URL(this.options.sandbox.url).port);
    while (Date.now() < deadline) {
      const statuses = await this.postStatuses().catch(() => new Map<string, string>());
      if (this.accepted.every((p) => FINAL.includes(statuses.get(p.postId) ?? ''))) return null;
      const uploading = await this.posts.countMidUpload().catch(() => 0);
      if (uploading > 0) {
        const groups = await groupsUploadingTo(sandboxPort);
        const busy = this.running().filter((w) => w.isReady && groups.has(w.process.pgid));
        const pick = busy[Math.floor(Math.random() * busy.length)];
        if (pick) return pick;
      }
      await sleep(25);
    }
    return null;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.process.stop(5_000)));
    await this.api?.stop(5_000);
    await this.callbacks.close();
    this.tiktok.close();
    if (this.queues) await closeQueues(this.queues).catch(() => undefined);
    if (this.redis) {
      await deleteKeysUnder(this.redis, this.prefix).catch(() => undefined);
      this.redis.disconnect();
    }
    await this.db?.$disconnect();
  }
}
