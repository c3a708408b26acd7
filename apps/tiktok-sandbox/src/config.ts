import { type FaultRates, noFaultRates, parseFaultRates } from './faults';

/** Steering knobs of the sandbox, changeable at run time through `PATCH /_sandbox/config`. */
export interface SandboxConfig {
  /** Skip the authorize page and redirect with a code at once (tests). */
  autoApprove: boolean;
  /** Creator that auto-approve logs in as; null creates a new creator per authorization. */
  autoApproveOpenId: string | null;
  /**
   * Defaults follow TikTok's newest token docs: 2 h access, 180 d refresh
   * (docs/tiktok-api.md, Token lifetimes and rotation).
   */
  accessTokenTtlSec: number;
  refreshTokenTtlSec: number;
  /**
   * "The upload_url is valid for one hour after issuance" (docs/tiktok-api.md, Video init);
   * shorter to test expiry.
   */
  uploadUrlTtlSec: number;
  /** Unaudited client: only SELF_ONLY posts to private accounts, at most 5 posting users a day. */
  unaudited: boolean;
  /** Time from the last byte (or the download) to the end of processing. */
  processingDelayMs: number;
  /** Time from PUBLISH_COMPLETE until the post id is publicly available. */
  moderationDelayMs: number;
  /**
   * Direct posts per creator in any 24 h ("typically around 15", docs/tiktok-api.md, Rate limits).
   */
  dailyPostCap: number;
  /** Pending inbox shares per creator in any 24 h (docs/tiktok-api.md, Video init). */
  pendingInboxCap: number;
  webhookUrl: string | null;
  /** Keep received bytes (on disk) so `GET /_sandbox/videos/:publishId` can return them. */
  storeVideos: boolean;
  /** Per-minute rate limits and the Research API's daily budget; off for load tests. */
  rateLimits: boolean;
  /** Research API requests a UTC day (docs/tiktok-api.md, Research API): 1000. */
  researchDailyRequests: number;
  /** Research API records (videos returned) a UTC day: 100,000. */
  researchDailyRecords: number;
  /** Delay before every request outside `/_sandbox`: TikTok's round trip, for benchmarks. */
  latencyMs: number;
  /**
   * The URL prefixes "verified" for PULL_FROM_URL (videos and photos). null: every https URL
   * is. A listed prefix may be http, so tests can point it at a local server.
   */
  verifiedUrlPrefixes: string[] | null;
  /** Faults that fire at a rate (see faults.ts); all 0 by default. A patch merges field by field. */
  faultRates: FaultRates;
  /** Seed of the rate faults' generator; setting it (or `faultRates`) restarts the sequence. */
  faultSeed: number;
}

export const defaultConfig: SandboxConfig = {
  autoApprove: false,
  autoApproveOpenId: null,
  accessTokenTtlSec: 7200,
  refreshTokenTtlSec: 15_552_000,
  uploadUrlTtlSec: 3600,
  unaudited: false,
  processingDelayMs: 500,
  moderationDelayMs: 1000,
  dailyPostCap: 15,
  pendingInboxCap: 5,
  webhookUrl: null,
  storeVideos: false,
  rateLimits: true,
  researchDailyRequests: 1000,
  researchDailyRecords: 100_000,
  latencyMs: 0,
  verifiedUrlPrefixes: null,
  faultRates: noFaultRates,
  faultSeed: 1,
};

type Kind = 'boolean' | 'count' | 'string|null' | 'url|null' | 'urls|null' | 'rates';

const kinds: Record<keyof SandboxConfig, Kind> = {
  autoApprove: 'boolean',
  autoApproveOpenId: 'string|null',
  accessTokenTtlSec: 'count',
  refreshTokenTtlSec: 'count',
  uploadUrlTtlSec: 'count',
  unaudited: 'boolean',
  processingDelayMs: 'count',
  moderationDelayMs: 'count',
  dailyPostCap: 'count',
  pendingInboxCap: 'count',
  webhookUrl: 'url|null',
  storeVideos: 'boolean',
  rateLimits: 'boolean',
  researchDailyRequests: 'count',
  researchDailyRecords: 'count',
  latencyMs: 'count',
  verifiedUrlPrefixes: 'urls|null',
  faultRates: 'rates',
  faultSeed: 'count',
};

function fits(kind: Kind, value: unknown): boolean {
  switch (kind) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'count':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
    case 'string|null':
      return value === null || (typeof value === 'string' && value.length > 0);
    case 'url|null':
      return value === null || (typeof value === 'string' && URL.canParse(value));
    case 'urls|null':
      return (
        value === null ||
        (Array.isArray(value) && value.every((v) => typeof v === 'string' && URL.canParse(v)))
      );
    case 'rates':
      // Checked field by field in parseConfigPatch, for a message naming the bad rate.
      return true;
  }
}

/**
 * Checks a partial config. Throws with a message naming the first bad field, so a test that
 * misspells a knob fails loudly instead of silently running with the default.
 */
export type ConfigPatch = Partial<Omit<SandboxConfig, 'faultRates'>> & {
  faultRates?: Partial<FaultRates>;
};

export function parseConfigPatch(input: unknown): ConfigPatch {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new Error('The config patch must be a JSON object.');
  }
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const kind = kinds[key as keyof SandboxConfig];
    if (!kind) throw new Error(`Unknown config field "${key}".`);
    if (!fits(kind, value)) throw new Error(`Config field "${key}" must be ${kind}.`);
    patch[key] = kind === 'rates' ? parseFaultRates(value) : value;
  }
  return patch as ConfigPatch;
}

/** The config after `patch`: fault rates merge field by field, everything else replaces. */
export function applyConfigPatch(config: SandboxConfig, patch: ConfigPatch): SandboxConfig {
  return {
    ...config,
    ...patch,
    faultRates: { ...config.faultRates, ...patch.faultRates },
  };
}

export function pickConfig(input: Record<string, unknown>): ConfigPatch {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(kinds)) {
    if (input[key] !== undefined) picked[key] = input[key];
  }
  return parseConfigPatch(picked);
}
