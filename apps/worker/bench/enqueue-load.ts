/** The load generator of the enqueue benchmarks: closed loop (saturation) and open loop. */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Sample {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;

function summarize(latencies: number[], errors: number, seconds: number): Sample {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    rps: latencies.length / seconds,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    errors,
  };
}

/** `work` by `concurrency` loops for `seconds`: saturation. */
export async function closedLoop(
  work: () => Promise<void>,
  concurrency: number,
  seconds: number,
): Promise<Sample> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        try {
          await work();
          latencies.push(performance.now() - started);
        } catch {
          errors++;
        }
      }
    }),
  );
  return summarize(latencies, errors, seconds);
}

/** `work` started `rate` times a second for `seconds`, whatever the answers take. */
export async function openLoop(work: () => Promise<void>, rate: number, seconds: number) {
  const latencies: number[] = [];
  let errors = 0;
  const inFlight: Promise<void>[] = [];
  const started = performance.now();
  const total = Math.round(rate * seconds);
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    // Measured from when it was due, so a late start counts against the server.
    inFlight.push(
      work().then(
        () => void latencies.push(performance.now() - due),
        () => void errors++,
      ),
    );
  }
  await Promise.all(inFlight);
  const sample = summarize(latencies, errors, seconds);
  return { ...sample, rps: latencies.length / ((performance.now() - started) / 1000) };
}
