import { TikTokApiError } from '../errors';
import type { BudgetUsage } from './budget';

/**
 * The fleet's own count says the day's Research budget is spent: thrown before anything is
 * sent, so TikTok never sees the request. Carries the usage, for `Retry-After` and headers.
 */
export class ResearchBudgetExhaustedError extends TikTokApiError {
  readonly budget: BudgetUsage;

  constructor(endpoint: string, budget: BudgetUsage) {
    const spent =
      budget.requests.used >= budget.requests.limit
        ? `${budget.requests.limit} requests`
        : `${budget.records.limit} records`;
    super({
      code: 'research_daily_quota_exhausted',
      endpoint,
      description: `The Research API’s daily budget of ${spent} is spent; it resets at ${budget.resetsAt.toISOString()} (00:00 UTC).`,
    });
    this.budget = budget;
  }
}

/** Research answers carry the day's usage after the request. */
export interface WithBudget {
  budget: BudgetUsage;
}
