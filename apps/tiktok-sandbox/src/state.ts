import type { Hash } from 'node:crypto';
import { SandboxClock } from './clock';
import { applyConfigPatch, type ConfigPatch, defaultConfig, type SandboxConfig } from './config';
import { FaultQueue, RateFaults } from './faults';
import { Scheduler } from './scheduler';

export interface Creator {
  openId: string;
  unionId: string;
  username: string;
  nickname: string;
  avatarUrl: string;
  bioDescription: string;
  isVerified: boolean;
  privateAccount: boolean;
  maxVideoPostDurationSec: number;
  commentDisabled: boolean;
  duetDisabled: boolean;
  stitchDisabled: boolean;
  bannedFromPosting: boolean;
  createdAt: number;
}

/** A public video of a creator outside the sandbox's own posts, for the Research API. */
export interface ResearchSeed {
  id: bigint;
  username: string;
  regionCode: string;
  description: string;
  postedAt: number;
}

export interface AccessToken {
  token: string;
  /** null for a client (`clt.`) token. */
  openId: string | null;
  scopes: string[];
  expiresAt: number;
  revoked: boolean;
}

export interface RefreshToken {
  token: string;
  openId: string;
  scopes: string[];
  expiresAt: number;
  /** Set once a newer refresh token replaced this one; using it again is a violation. */
  rotated: boolean;
  revoked: boolean;
}

export interface AuthCode {
  code: string;
  openId: string;
  scopes: string[];
  redirectUri: string;
  codeChallenge: string | null;
  expiresAt: number;
  used: boolean;
}

// Deliberate copy of packages/tiktok/src/publish.ts: the sandbox must not import the client.
export type PublishStatus =
  | 'PROCESSING_UPLOAD'
  | 'PROCESSING_DOWNLOAD'
  | 'SEND_TO_USER_INBOX'
  | 'PUBLISH_COMPLETE'
  | 'FAILED';

export interface UploadTask {
  uploadId: string;
  token: string;
  expiresAt: number;
  /** Running sha256 of the accepted chunks; each chunk hashes into a copy until it is accepted. */
  hash: Hash | null;
  nextChunk: number;
  /** True while a chunk is being received, so two concurrent PUTs cannot interleave. */
  busy: boolean;
}

export interface Publish {
  publishId: string;
  openId: string;
  accessToken: string;
  mode: 'direct' | 'inbox';
  source: 'FILE_UPLOAD' | 'PULL_FROM_URL';
  status: PublishStatus;
  failReason: string | null;
  /** Fail reason injected through a fault, applied when processing ends. */
  plannedFailReason: string | null;
  privacyLevel: string | null;
  title: string | null;
  isAigc: boolean;
  videoSize: number | null;
  chunkSize: number | null;
  totalChunkCount: number | null;
  bytesReceived: number;
  /**
   * Every body byte read for this publish, accepted or not: re-sent chunks, chunks refused and
   * bodies cut short count too. Against videoSize it tells what the client's retries cost.
   */
  bytesTransferred: number;
  downloadedBytes: number;
  sha256: string | null;
  videoUrl: string | null;
  /** The post TikTok created; only shown to clients once publicly available. */
  postId: bigint | null;
  publiclyAvailable: boolean;
  createdAt: number;
  completedAt: number | null;
  upload: UploadTask | null;
  /** Where the received bytes are kept, when `storeVideos` was on. */
  storedPath: string | null;
  pullAbort: AbortController | null;
  /** Set for a photo post (`media_type: PHOTO`). */
  photo?: PhotoPublish;
}

/** A photo post's own part (docs/tiktok-api.md, Photo posts); absent on a video publish. */
export interface PhotoPublish {
  urls: string[];
  coverIndex: number;
  description: string | null;
  disableComment: boolean;
  autoAddMusic: boolean;
  /** What TikTok pulled, in order: filled as the downloads finish. */
  images: Array<{
    size: number;
    sha256: string;
    format: string;
    width: number | null;
    height: number | null;
  }>;
}

export interface Violation {
  rule: string;
  detail: string;
  at: string;
}

/** Everything the sandbox knows. One instance per server; `reset()` forgets all of it. */
export class SandboxState {
  config: SandboxConfig;
  creators = new Map<string, Creator>();
  accessTokens = new Map<string, AccessToken>();
  refreshTokens = new Map<string, RefreshToken>();
  codes = new Map<string, AuthCode>();
  publishes = new Map<string, Publish>();
  uploads = new Map<string, Publish>();
  faults = new FaultQueue();
  /** The rate faults' seeded dice; reseeded when the rates or the seed change, and on reset. */
  rateFaults: RateFaults;
  scheduler = new Scheduler();
  /** TikTok's time: read it instead of Date.now(), so a test can advance it. */
  clock = new SandboxClock();
  violations: Violation[] = [];
  requests = new Map<string, number>();
  /** Per endpoint, the milliseconds of latency (config and faults) added to its requests. */
  delayedMs = new Map<string, number>();
  refreshTokensReused = 0;
  inFlight = new Map<string, Set<string>>();
  maxConcurrent = new Map<string, number>();
  /** The most uploads of a creator receiving bytes at once (see in-flight.ts). */
  maxSending = new Map<string, number>();
  /** Per token+endpoint request times for the one-minute sliding windows. */
  windows = new Map<string, number[]>();
  /** Research API: requests and records (videos returned) in the current UTC day. */
  researchDay = { day: '', requests: 0, records: 0 };
  /** Research API: public videos of other creators, seeded through the control API. */
  researchVideos: ResearchSeed[] = [];
  /** Research API: cached searches by search_id (the ids of every match, in order). */
  researchSearches = new Map<string, bigint[]>();
  /** Unaudited mode: which creators posted, and when (5 users per 24 h). */
  postingUsers = new Map<string, number>();

  constructor(
    readonly clientKey: string,
    readonly clientSecret: string,
    readonly redirectUris: string[] | null,
    initialConfig: ConfigPatch,
  ) {
    this.config = applyConfigPatch(defaultConfig, initialConfig);
    this.rateFaults = new RateFaults(this.config.faultSeed);
  }

  configure(patch: ConfigPatch): void {
    this.config = applyConfigPatch(this.config, patch);
    if (patch.faultRates !== undefined || patch.faultSeed !== undefined) {
      this.rateFaults = new RateFaults(this.config.faultSeed);
    }
  }

  /** True when the rate fault `name` fires for this request. */
  rollFault(name: Parameters<RateFaults['roll']>[1]): boolean {
    return this.rateFaults.roll(this.config.faultRates, name);
  }

  violation(rule: string, detail: string): void {
    this.violations.push({ rule, detail, at: new Date(this.clock.now()).toISOString() });
  }

  countRequest(endpoint: string): void {
    this.requests.set(endpoint, (this.requests.get(endpoint) ?? 0) + 1);
  }

  reset(): void {
    // The config stays: a test file sets it once and resets state between its tests.
    this.scheduler.cancelAll();
    this.creators.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.codes.clear();
    this.publishes.clear();
    this.uploads.clear();
    this.faults = new FaultQueue();
    this.rateFaults = new RateFaults(this.config.faultSeed);
    this.violations = [];
    this.requests.clear();
    this.delayedMs.clear();
    this.refreshTokensReused = 0;
    this.inFlight.clear();
    this.maxConcurrent.clear();
    this.maxSending.clear();
    this.windows.clear();
    this.researchDay = { day: '', requests: 0, records: 0 };
    this.researchVideos = [];
    this.researchSearches.clear();
    this.postingUsers.clear();
    this.clock = new SandboxClock();
  }
}
