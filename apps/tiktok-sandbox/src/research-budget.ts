import { ApiError } from './errors';
import type { SandboxState } from './state';

/**
 * The Research API's daily quotas, counted per UTC day of the sandbox clock: requests, and
 * records (videos returned), reset at 00:00 UTC (docs/tiktok-api.md, Research API). A request
 * that finds either spent answers 429 `rate_limit_exceeded`, as TikTok does.
 */
function today(state: SandboxState) {
  const day = new Date(state.clock.now()).toISOString().slice(0, 10);
  if (state.researchDay.day !== day) state.researchDay = { day, requests: 0, records: 0 };
  return state.researchDay;
}

/** Counts one request; refuses it when the day's requests or records are spent. */
export function spendResearchRequest(state: SandboxState, path: string): void {
  const usage = today(state);
  const { researchDailyRequests: requests, researchDailyRecords: records } = state.config;
  if (state.config.rateLimits && (usage.requests >= requests || usage.records >= records)) {
    const spent = usage.requests >= requests ? `${requests} requests` : `${records} records`;
    state.violation('rate_limit_exceeded', `${path}: over ${spent} today`);
    throw new ApiError(
      'rate_limit_exceeded',
      429,
      `The daily quota of ${spent} of the Research API is used up; it resets at 00:00 UTC.`,
    );
  }
  usage.requests += 1;
}

/** Counts the records a request returned. */
export function spendResearchRecords(state: SandboxState, count: number): void {
  today(state).records += count;
}

export function researchUsage(state: SandboxState) {
  const { day, requests, records } = today(state);
  return {
    day,
    requests,
    records,
    limits: {
      requests: state.config.researchDailyRequests,
      records: state.config.researchDailyRecords,
    },
  };
}
