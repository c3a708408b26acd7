import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The registry every app of this process registers its metrics on and serves at /metrics.
 * A registry of our own (not prom-client's global one) keeps tests and libraries from
 * colliding with it.
 */
export const metricsRegistry = new Registry();

let defaultsCollected = false;

/** Process metrics (CPU, memory, GC, event-loop lag): lag is the early sign of stalled jobs. */
export function collectProcessMetrics(labels: Record<string, string> = {}): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  metricsRegistry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: metricsRegistry });
}

/** The Prometheus text of every metric of this process, for a `/metrics` response. */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  return { contentType: metricsRegistry.contentType, body: await metricsRegistry.metrics() };
}
