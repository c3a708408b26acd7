import { Gauge } from 'prom-client';
import { KeyedSources } from './keyed-sources';
import { metricsRegistry } from './metrics';

/** Today's use of the Research API's daily budget, as the fleet counts it in Redis. */
export interface ResearchBudgetReading {
  requests: { used: number; limit: number };
  records: { used: number; limit: number };
}

type BudgetSource = () => Promise<ResearchBudgetReading>;
/**
 * Keyed by the fleet's Redis prefix: two API instances of one fleet in a process count once
 * (the latest registered reads; closing it hands back to the one before).
 */
const sources = new KeyedSources<BudgetSource>();
const QUOTAS = ['requests', 'records'] as const;

async function readAll(): Promise<ResearchBudgetReading[]> {
  // Redis away: leave the gauges empty rather than fail the whole scrape.
  const readings = await Promise.all(sources.latest().map((read) => read().catch(() => null)));
  return readings.filter((r): r is ResearchBudgetReading => r !== null);
}

new Gauge({
  name: 'tiktok_fleet_research_budget_used',
  help: "Research API requests and records (videos returned) spent in the current UTC day, fleet-wide, read from Redis when scraped (TikTok's quotas reset at 00:00 UTC).",
  labelNames: ['quota'] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    for (const reading of await readAll()) {
      for (const quota of QUOTAS) this.inc({ quota }, reading[quota].used);
    }
  },
});

new Gauge({
  name: 'tiktok_fleet_research_budget_limit',
  help: 'The daily Research API budget the fleet allows itself (RESEARCH_DAILY_REQUEST_LIMIT, RESEARCH_DAILY_RECORD_LIMIT).',
  labelNames: ['quota'] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    for (const reading of await readAll()) {
      for (const quota of QUOTAS) this.set({ quota }, reading[quota].limit);
    }
  },
});

/** Reads the budget at each scrape; answers a function that stops it. */
export function registerResearchBudget(key: string, source: BudgetSource): () => void {
  return sources.register(key, source);
}
