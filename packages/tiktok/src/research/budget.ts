/**
 * The Research API's daily quotas: 1000 requests and 100,000 records (videos returned) a day
 * per research organisation, reset at 00:00 UTC (docs/tiktok-api.md, Research API). "A day"
 * is therefore a UTC calendar day, not a rolling 24 h. The client takes a request (and room
 * for the records it asks for) before anything is sent, so a fleet never finds out from
 * TikTok; single processes use the in-memory budget, a fleet plugs in a shared one (Redis).
 */
export interface ResearchBudget {
  /**
   * Takes one request and up to `records` records from the budget of `now`'s UTC day. Fewer
   * records than asked may be granted (what is left); none is refused only when `records` > 0.
   */
  reserve(now: Date, records: number): Promise<BudgetReservation>;
  /** Gives back the records a reservation did not receive; answers the day's usage after it. */
  settle(reservation: BudgetReservation, received: number): Promise<BudgetUsage>;
}

export interface BudgetCounter {
  used: number;
  limit: number;
}

export interface BudgetUsage {
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
  requests: BudgetCounter;
  records: BudgetCounter;
  /** When the day's budget ends: the next 00:00 UTC. */
  resetsAt: Date;
}

export interface BudgetReservation extends BudgetUsage {
  allowed: boolean;
  /** Records set aside for this request (0 when refused). */
  grantedRecords: number;
}

export const RESEARCH_DAILY_REQUEST_LIMIT = 1000;
export const RESEARCH_DAILY_RECORD_LIMIT = 100_000;

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
  #requests = 0;
  #records = 0;
  readonly #limits: { requests: number; records: number };

  constructor(
    requestLimit: number = RESEARCH_DAILY_REQUEST_LIMIT,
    recordLimit: number = RESEARCH_DAILY_RECORD_LIMIT,
  ) {
    this.#limits = { requests: requestLimit, records: recordLimit };
  }

  async reserve(now: Date, records: number): Promise<BudgetReservation> {
    const { day, resetsAt } = utcDay(now);
    if (day !== this.#day) {
      this.#day = day;
      this.#requests = 0;
      this.#records = 0;
    }
    const allowed =
      this.#requests < this.#limits.requests &&
      (records === 0 || this.#records < this.#limits.records);
    const grantedRecords = allowed ? Math.min(records, this.#limits.records - this.#records) : 0;
    if (allowed) {
      this.#requests += 1;
      this.#records += grantedRecords;
    }
    return { ...this.#usage(day, resetsAt), allowed, grantedRecords };
  }

  async settle(reservation: BudgetReservation, received: number): Promise<BudgetUsage> {
    if (reservation.day === this.#day) {
      this.#records -= Math.max(0, reservation.grantedRecords - received);
    }
    return this.#usage(reservation.day, reservation.resetsAt);
  }

  #usage(day: string, resetsAt: Date): BudgetUsage {
    return {
      day,
      requests: { used: this.#requests, limit: this.#limits.requests },
      records: { used: this.#records, limit: this.#limits.records },
      resetsAt,
    };
  }
}
