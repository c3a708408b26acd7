/**
 * `pnpm bench:logging`: what a hot-path log line costs with the fleet's logger (secret
 * scrubbing) against bare pino on the same destination, for a line that carries no secret
 * (the workers' `{ queue, jobId, postId, attempt }`) and one that does. BENCH_LINES (100000)
 * lines per measure, BENCH_ROUNDS (3) interleaved rounds; µs per line, median (min–max).
 */

import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createLogger } from '../src/index';

const LINES = Number(process.env.BENCH_LINES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const sink = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

const hot = { queue: 'publish', jobId: 'post_01jd8x7k2m', postId: 'post_01jd8x7k2m', attempt: 1 };
const secret = { ...hot, accessToken: 'act.0123456789abcdef', note: 'Bearer abcdef123456' };
const loggers = {
  'bare pino': pino({ name: 'bench', level: 'info' }, sink()),
  'fleet logger': createLogger({ name: 'bench', level: 'info', destination: sink() }),
};

function usPerLine(logger: pino.Logger, object: object): number {
  const started = performance.now();
  for (let i = 0; i < LINES; i++) logger.info(object, 'post published');
  return ((performance.now() - started) * 1000) / LINES;
}

const results = new Map<string, number[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, logger] of Object.entries(loggers)) {
    for (const [kind, object] of Object.entries({ 'no secret': hot, 'with secrets': secret })) {
      const key = `${name}, ${kind}`;
      results.set(key, [...(results.get(key) ?? []), usPerLine(logger, object)]);
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
console.log(`\nbench:logging — ${LINES} lines x ${ROUNDS} rounds; µs per line, median (min–max)\n`);
console.log('| logger, line | µs / line | vs bare pino |');
console.log('| ------------ | --------: | -----------: |');
for (const [key, xs] of results) {
  const bare = median(results.get(`bare pino, ${key.split(', ')[1]}`) ?? []);
  console.log(
    `| ${key} | ${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}) | ${(median(xs) / bare).toFixed(2)}x |`,
  );
}
