/**
 * The Research API allows 1000 requests a day per research organisation, reset at
 * 00:00 UTC. The budget is checked before a request is sent so that a fleet never finds
 * out from TikTok. Single processes use the in-memory budget; a fleet plugs in a shared one
 * (Redis) through this interface.
 */
export interface ResearchBudget {
  /** Takes one request from the budget of `now`'s UTC day, if any is left. */
  take(now: Date): Promise<BudgetDecision>;
}

export interface BudgetDecision {
  allowed: boolean;
  /** Requests used today, including this one when allowed. */
  used: number;
  limit: number;
  /** When today's budget ends: the next 00:00 UTC. */
  resetsAt: Date;
}

export const RESEARCH_DAILY_REQUEST_LIMIT = 1000;

/** The UTC day `now` falls in, as `YYYY-MM-DD`, and when it ends: the key for a shared store. */
export function utcDay(now: Date): { day: string; resetsAt: Date } {
  const start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return {
    day: new Date(start).toISOString().slice(0, 10),
    resetsAt: new Date(start + 24 * 60 * 60 * 1000),
  };
}

export class InMemoryResearchBudget implements ResearchBudget {
  #day = '';
  #used = 0;

  constructor(readonly limit: number = RESEARCH_DAILY_REQUEST_LIMIT) {}

  async take(now: Date): Promise<BudgetDecision> {
    const { day, resetsAt } = utcDay(now);
    if (day !== this.#day) {
      this.#day = day;
      this.#used = 0;
    }
    const allowed = this.#used < this.limit;
    if (allowed) this.#used += 1;
    return { allowed, used: this.#used, limit: this.limit, resetsAt };
  }
}
