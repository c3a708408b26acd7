import { ClientTokenBusyError } from '@tiktok-fleet/queue';
import {
  type BudgetUsage,
  ResearchBudgetExhaustedError,
  TikTokApiError,
} from '@tiktok-fleet/tiktok';
import { ApiError } from '../errors';

/** The budget as callers see it, in the body and (shorter) in the headers of every answer. */
export function budgetView(usage: BudgetUsage) {
  const counter = (c: { used: number; limit: number }) => ({
    used: c.used,
    limit: c.limit,
    remaining: Math.max(0, c.limit - c.used),
  });
  return {
    day: usage.day,
    requests: counter(usage.requests),
    records: counter(usage.records),
    resetsAt: usage.resetsAt.toISOString(),
  };
}

export function budgetHeaders(usage: BudgetUsage): Record<string, string> {
  const view = budgetView(usage);
  return {
    'x-research-requests-remaining': String(view.requests.remaining),
    'x-research-records-remaining': String(view.records.remaining),
    'x-research-budget-reset': view.resetsAt,
  };
}

const NOT_AUTHORIZED = new Set([
  'access_token_invalid',
  'access_token_expired',
  'scope_not_authorized',
  'invalid_client',
  'unauthorized_client',
  'invalid_scope',
  'invalid_grant',
]);

/**
 * A failed Research call as the API answers it, with a code of its own for each thing the
 * caller can act on (docs/tiktok-api.md, Research API). Anything else is rethrown.
 */
export function researchApiError(error: unknown, what: 'videos' | 'user', nowMs: number): never {
  if (error instanceof ResearchBudgetExhaustedError) {
    const seconds = Math.max(1, Math.ceil((error.budget.resetsAt.getTime() - nowMs) / 1000));
    throw new ApiError(
      429,
      'research_budget_exhausted',
      `${error.description} Nothing was sent to TikTok. Try again after ${error.budget.resetsAt.toISOString()}.`,
      budgetView(error.budget),
      { 'retry-after': String(seconds), ...budgetHeaders(error.budget) },
    );
  }
  if (error instanceof ClientTokenBusyError) {
    throw new ApiError(503, 'research_unavailable', error.message, undefined, {
      'retry-after': '5',
    });
  }
  if (!(error instanceof TikTokApiError)) throw error;
  const said = error.tiktokMessage ? ` TikTok said: ${error.tiktokMessage}` : '';
  const details = { tiktokCode: error.code, logId: error.logId };
  if (error.code === 'rate_limit_exceeded') {
    throw new ApiError(
      429,
      'research_rate_limited',
      `TikTok refused the request as over a limit: a short-term rate limit, or the organisation's daily quota, which its other clients share. Try again later.${said}`,
      details,
      { 'retry-after': '60' },
    );
  }
  if (error.code === 'invalid_params' || error.code === 'invalid_param') {
    // The fleet checks the fields it sends, so on user info TikTok can only mean the user.
    if (what === 'user') {
      throw new ApiError(
        404,
        'research_user_not_found',
        `TikTok has no public account with this username (it may not exist, or be private).${said}`,
        details,
      );
    }
    throw new ApiError(
      400,
      'research_query_invalid',
      `TikTok refused the query: ${error.tiktokMessage ?? error.description} Correct the query and try again.`,
      details,
    );
  }
  if (NOT_AUTHORIZED.has(error.code)) {
    throw new ApiError(
      502,
      'research_not_authorized',
      `TikTok did not let this app use the Research API (${error.code}): check TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET, and that the app's research project is approved for research.data.basic.${said}`,
      details,
    );
  }
  if (error.retryable) {
    throw new ApiError(
      502,
      'research_unavailable',
      `TikTok's Research API did not answer properly (${error.code}). Try again in a little while.`,
      details,
      { 'retry-after': '30' },
    );
  }
  throw new ApiError(
    502,
    'research_failed',
    `TikTok's Research API refused the request (${error.code}): ${error.description}`,
    details,
  );
}
