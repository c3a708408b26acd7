/**
 * `pnpm bench:probe`: what checking a video costs the worker, against the bare ffprobe CLI
 * run with the same arguments on the same file, with the worker's RSS at about 50 and
 * 300 MiB (a ballast of touched memory stands in for upload buffers and caches), on MP4s of
 * about 80 and 300 MiB (made with ffmpeg once, kept under .tmp/bench-probe).
 *
 * Per RSS size, file and round (BENCH_ROUNDS, default 3; each a process of its own), the
 * BENCH_CALLS (default 12) calls of each are made in BENCH_SLICES (default 3) interleaved
 * slices, so a burst of load elsewhere on the machine falls on all three alike:
 *   - bare CLI: ffprobe with checkVideoFile's arguments (the header and -count_packets, one
 *     run), in a loop by /bin/sh (time per call);
 *   - checkVideoFile: the media checks as the worker runs them (ffprobe from the helper);
 *   - in-process spawn: the same ffprobe spawned from this process (how it was before).
 * "loop block" is the longest the event loop was held up during checkVideoFile's calls (a
 * timer ticking every 1 ms measures it): what every other job of the worker waits.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import ffprobeStatic from 'ffprobe-static';
import { checkVideoFile } from '../src/index';
import { ffprobeArgs, withFile } from '../src/run-ffprobe';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CALLS = Number(process.env.BENCH_CALLS ?? 12);
const SLICES = Number(process.env.BENCH_SLICES ?? 3);
const MiB = 1024 * 1024;

/** A vertical 1080x1920 H.264/AAC faststart MP4 of `seconds` at about 36 Mbit/s. */
function video(name: string, seconds: number): string {
  const dir = join(root, '.tmp', 'bench-probe');
  const path = join(dir, name);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  const part = `${path}.part.mp4`;
  // biome-ignore format: option and value side by side
  execFileSync('ffmpeg', [
    '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=1080x1920:rate=30:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '40M', '-maxrate', '40M',
    '-bufsize', '80M', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-movflags', '+faststart', part,
  ]);
  renameSync(part, path); // a run stopped mid-encode leaves no short file under the name
  return path;
}

const FILES = [
  { name: 'vertical-80mib.mp4', seconds: 18 },
  { name: 'vertical-300mib.mp4', seconds: 68 },
];

// What checkVideoFile runs for an MP4 (probe-video.ts): the same list, from the same code.
const args = (path: string) => withFile(path, ffprobeArgs({ countPackets: true }));

function bareCliMs(path: string, calls: number): number {
  const quoted = args(path)
    .map((a) => `'${a}'`)
    .join(' ');
  const script = `i=0; while [ $i -lt ${calls} ]; do "${ffprobeStatic.path}" ${quoted} >/dev/null; i=$((i+1)); done`;
  const started = performance.now();
  execFileSync('/bin/sh', ['-c', script]);
  return performance.now() - started;
}

function inProcess(path: string): Promise<void> {
  return new Promise((done, fail) =>
    execFile(ffprobeStatic.path, args(path), (error) => (error ? fail(error) : done())),
  );
}

/** Runs `call` `calls` times one after another: total ms and the longest event-loop stall. */
async function measure(
  call: () => Promise<unknown>,
  calls: number,
): Promise<{ ms: number; blockMs: number }> {
  let last = performance.now();
  let blockMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    blockMs = Math.max(blockMs, now - last - 1);
    last = now;
  }, 1);
  const started = performance.now();
  for (let i = 0; i < calls; i++) await call();
  const ms = performance.now() - started;
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

/** One measure at one RSS, in a process of its own (memory freed is not given back at once). */
async function measureAt(targetMiB: number, path: string) {
  const rss = growRssTo(targetMiB);
  await checkVideoFile(path); // starts the helper, warms the caches
  await inProcess(path);
  bareCliMs(path, 1);
  const total = { bare: 0, check: 0, checkBlock: 0, inproc: 0 };
  const per = Math.max(1, Math.round(CALLS / SLICES));
  for (let slice = 0; slice < SLICES; slice++) {
    total.bare += bareCliMs(path, per);
    const check = await measure(() => checkVideoFile(path), per);
    total.check += check.ms;
    total.checkBlock = Math.max(total.checkBlock, check.blockMs);
    total.inproc += (await measure(() => inProcess(path), per)).ms;
  }
  const calls = per * SLICES;
  return {
    rss,
    bare: total.bare / calls,
    check: total.check / calls,
    checkBlock: total.checkBlock,
    inproc: total.inproc / calls,
  };
}

if (process.env.BENCH_PROBE_RSS) {
  const measured = await measureAt(
    Number(process.env.BENCH_PROBE_RSS),
    process.env.BENCH_PROBE_FILE as string,
  );
  console.log(JSON.stringify(measured));
  process.exit(0);
}

type Row = {
  rss: number;
  fileMiB: number;
  bare: number[];
  check: number[];
  ratio: number[];
  checkBlock: number[];
  inproc: number[];
};
const paths = FILES.map((f) => video(f.name, f.seconds));
const rows = new Map<string, Row>();
for (const target of [50, 300]) {
  for (const path of paths) {
    rows.set(`${target} ${path}`, {
      rss: 0,
      fileMiB: statSync(path).size / MiB,
      bare: [],
      check: [],
      ratio: [],
      checkBlock: [],
      inproc: [],
    });
  }
}
for (let round = 0; round < ROUNDS; round++) {
  for (const target of [50, 300]) {
    for (const path of paths) {
      const out = execFileSync(
        process.execPath,
        [...process.execArgv, fileURLToPath(import.meta.url)],
        {
          env: { ...process.env, BENCH_PROBE_RSS: String(target), BENCH_PROBE_FILE: path },
          encoding: 'utf8',
        },
      );
      const m = JSON.parse(out.trim().split('\n').at(-1) as string);
      const row = rows.get(`${target} ${path}`) as Row;
      row.rss = m.rss;
      row.bare.push(m.bare);
      row.check.push(m.check);
      row.ratio.push(m.check / m.bare);
      row.checkBlock.push(m.checkBlock);
      row.inproc.push(m.inproc / m.bare);
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const spread = (xs: number[], digits = 1, unit = '') =>
  `${median(xs).toFixed(digits)}${unit} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

console.log(
  `\nbench:probe — checkVideoFile against the bare ffprobe CLI with the same arguments; ${SLICES} interleaved slices of ${Math.max(1, Math.round(CALLS / SLICES))} calls each per round, ${ROUNDS} rounds; median (min–max of rounds)\n`,
);
console.log(
  '| worker RSS | file | bare CLI ms | checkVideoFile ms | ratio | loop block ms | in-process spawn ratio |',
);
console.log(
  '| ---------: | ---: | ----------: | ----------------: | ----: | ------------: | ---------------------: |',
);
for (const row of rows.values()) {
  console.log(
    `| ${row.rss} MiB | ${row.fileMiB.toFixed(0)} MiB | ${spread(row.bare)} | ${spread(row.check)} | ${spread(row.ratio, 2, 'x')} | ${spread(row.checkBlock)} | ${spread(row.inproc, 2, 'x')} |`,
  );
}
process.exit(0);
