/**
 * `pnpm bench:probe`: what checking a video costs the worker, against the bare ffprobe CLI
 * on the same file, with the worker's RSS at about 50 and 300 MiB (a ballast of touched
 * memory stands in for upload buffers and caches).
 *
 * Per RSS size and round (interleaved, BENCH_ROUNDS, default 3), BENCH_CALLS (default 20)
 * calls of each:
 *   - bare CLI: ffprobe with the same arguments, run in a loop by /bin/sh (time per call);
 *   - checkVideoFile: the media checks as the worker runs them (ffprobe from the helper);
 *   - in-process spawn: the same ffprobe spawned from this process (how it was before).
 * "loop block" is the longest the event loop was held up during those calls (a timer ticking
 * every 1 ms measures it): what every other job of the worker waits.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import ffprobeStatic from 'ffprobe-static';
import { checkVideoFile } from '../src/index';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CALLS = Number(process.env.BENCH_CALLS ?? 20);
const MiB = 1024 * 1024;

function videoOf20MB(): string {
  const dir = join(root, '.tmp', 'bench-probe');
  const path = join(dir, 'vertical-20mb.mp4');
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  // biome-ignore format: option and value side by side
  execFileSync('ffmpeg', [
    '-v', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=1080x1920:rate=30:duration=10',
    '-f', 'lavfi', '-i', 'sine=frequency=440:duration=10',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '16M', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-movflags', '+faststart', path,
  ]);
  return path;
}

// biome-ignore format: option and value side by side
const ffprobeArgs = (path: string) => [
  '-v', 'quiet', '-print_format', 'json', '-show_error', '-show_format', '-show_streams',
  '-protocol_whitelist', 'file', `file:${path}`,
];

function bareCliMs(path: string): number {
  const quoted = ffprobeArgs(path)
    .map((a) => `'${a}'`)
    .join(' ');
  const script = `i=0; while [ $i -lt ${CALLS} ]; do "${ffprobeStatic.path}" ${quoted} >/dev/null; i=$((i+1)); done`;
  const started = performance.now();
  execFileSync('/bin/sh', ['-c', script]);
  return (performance.now() - started) / CALLS;
}

function inProcess(path: string): Promise<void> {
  return new Promise((done, fail) =>
    execFile(ffprobeStatic.path, ffprobeArgs(path), (error) => (error ? fail(error) : done())),
  );
}

/** Runs `call` CALLS times one after another: ms per call and the longest event-loop stall. */
async function measure(call: () => Promise<unknown>): Promise<{ ms: number; blockMs: number }> {
  let last = performance.now();
  let blockMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    blockMs = Math.max(blockMs, now - last - 1);
    last = now;
  }, 1);
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) await call();
  const ms = (performance.now() - started) / CALLS;
  clearInterval(ticker);
  return { ms, blockMs: Math.max(0, blockMs) };
}

const ballast: Buffer[] = [];
function growRssTo(targetMiB: number): number {
  while (process.memoryUsage().rss / MiB < targetMiB) {
    // Touched, so the pages are really there (fork copies their page tables).
    ballast.push(Buffer.alloc(16 * MiB, 1));
  }
  return Math.round(process.memoryUsage().rss / MiB);
}

const path = videoOf20MB();

/** One measure at one RSS, in a process of its own (memory freed is not given back at once). */
async function measureAt(targetMiB: number) {
  const rss = growRssTo(targetMiB);
  await checkVideoFile(path); // starts the helper, warms the caches
  await inProcess(path);
  const bare = bareCliMs(path);
  const check = await measure(() => checkVideoFile(path));
  const inproc = await measure(() => inProcess(path));
  return {
    rss,
    bare,
    check: check.ms,
    checkBlock: check.blockMs,
    inproc: inproc.ms,
    inprocBlock: inproc.blockMs,
  };
}

if (process.env.BENCH_PROBE_RSS) {
  console.log(JSON.stringify(await measureAt(Number(process.env.BENCH_PROBE_RSS))));
  process.exit(0);
}

type Row = {
  rss: number;
  bare: number[];
  check: number[];
  inproc: number[];
  checkBlock: number[];
  inprocBlock: number[];
};
const rows = new Map<number, Row>();
for (const target of [50, 300]) {
  rows.set(target, { rss: 0, bare: [], check: [], inproc: [], checkBlock: [], inprocBlock: [] });
}
for (let round = 0; round < ROUNDS; round++) {
  for (const target of [50, 300]) {
    const out = execFileSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url)],
      {
        env: { ...process.env, BENCH_PROBE_RSS: String(target) },
        encoding: 'utf8',
      },
    );
    const m = JSON.parse(out.trim().split('\n').at(-1) as string);
    const row = rows.get(target) as Row;
    row.rss = m.rss;
    row.bare.push(m.bare);
    row.check.push(m.check);
    row.checkBlock.push(m.checkBlock);
    row.inproc.push(m.inproc);
    row.inprocBlock.push(m.inprocBlock);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const spread = (xs: number[]) =>
  `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
const ratio = (a: number[], b: number[]) => (median(a) / median(b)).toFixed(2);

console.log(
  `\nbench:probe — ${(existsSync(path) ? (await import('node:fs')).statSync(path).size / MiB : 0).toFixed(1)} MiB MP4, ${CALLS} calls x ${ROUNDS} interleaved rounds; ms per call, median (min–max of rounds)\n`,
);
console.log(
  '| worker RSS | bare CLI ms | checkVideoFile ms | ratio | loop block ms | in-process spawn ms | ratio | loop block ms |',
);
console.log(
  '| ---------: | ----------: | ----------------: | ----: | ------------: | ------------------: | ----: | ------------: |',
);
for (const row of rows.values()) {
  console.log(
    `| ${row.rss} MiB | ${spread(row.bare)} | ${spread(row.check)} | ${ratio(row.check, row.bare)}x | ${spread(row.checkBlock)} | ${spread(row.inproc)} | ${ratio(row.inproc, row.bare)}x | ${spread(row.inprocBlock)} |`,
  );
}
process.exit(0);
