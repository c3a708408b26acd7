// `pnpm bench:prepare`: the preparer (probe, plan, sha256, fluent-ffmpeg with its progress
// events, part file + rename) against the same ffmpeg command run by hand, on a 60 s 1080p
// AVI and a 60 s 1080p FLV. Wall time and CPU seconds (ffmpeg's and everything the preparer
// starts: the children's user + system time from /proc, and this process's own).
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ffmpegOptions, planForFile, prepareVideo } from '../src/index';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const SIZE = process.env.BENCH_SIZE ?? '1920x1080';
const dir = join(tmpdir(), 'tf-bench-prepare');
const MAX_OUTPUT = 4 * 1024 ** 3;

const SOURCES = [
  {
    name: 'AVI (MPEG-4 Part 2 + MP3)',
    file: 'source.avi',
    args: ['-c:v', 'mpeg4', '-q:v', '4', '-c:a', 'libmp3lame'],
  },
  {
    name: 'FLV (Sorenson H.263 + MP3)',
    file: 'source.flv',
    args: ['-c:v', 'flv', '-q:v', '4', '-c:a', 'libmp3lame'],
  },
];

/** CPU seconds of this process and of its children that have exited. */
function cpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  // After "pid (comm) ": state is field 3; utime 14, stime 15, cutime 16, cstime 17 (1-based).
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
  return ticks / 100;
}

async function measure(run: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  await run();
  return { wall: (performance.now() - t0) / 1000, cpu: cpuSeconds() - cpu0 };
}

async function makeSource(file: string, args: string[]): Promise<string> {
  const path = join(dir, `${SIZE}-${SECONDS}s-${file}`);
  if (await stat(path).catch(() => undefined)) return path;
  // biome-ignore format: option and value side by side read better
  await promisify(execFile)('ffmpeg', [
    '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${SIZE}:rate=30`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-t', String(SECONDS), ...args, path,
  ]);
  return path;
}

function ffmpegByHand(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'ignore'] });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`)),
    );
  });
}

await mkdir(dir, { recursive: true });
const rows: string[][] = [];
for (const source of SOURCES) {
  const path = await makeSource(source.file, source.args);
  const { probe, plan } = await planForFile(path);
  if (plan.kind === 'keep') throw new Error(`${source.name}: nothing to prepare?`);
  const { input, output } = ffmpegOptions(probe, plan, MAX_OUTPUT);
  const preparedDir = join(dir, 'prepared');
  const byHandOut = join(dir, 'by-hand.mp4');
  await rm(preparedDir, { recursive: true, force: true });

  // The same command both ways, one after the other; the order alternates between sources so
  // that neither always gets the warmer page cache or the quieter machine.
  const runByHand = () =>
    measure(() =>
      ffmpegByHand(['-y', ...input, '-i', `file:${path}`, ...output, `file:${byHandOut}`]),
    );
  const byHandFirst = rows.length % 2 === 0;
  const first = byHandFirst ? await runByHand() : undefined;
  const preparer = await measure(() =>
    prepareVideo(path, {
      preparedDir,
      timeoutMs: 30 * 60_000,
      maxOutputBytes: MAX_OUTPUT,
      onProgress: () => {},
    }),
  );
  const byHand = first ?? (await runByHand());
  await rm(byHandOut, { force: true });
  await rm(preparedDir, { recursive: true, force: true });
  rows.push([
    source.name,
    `${((await stat(path)).size / 1024 ** 2).toFixed(0)} MiB`,
    plan.kind,
    preparer.wall.toFixed(1),
    byHand.wall.toFixed(1),
    (preparer.wall / byHand.wall).toFixed(2),
    preparer.cpu.toFixed(1),
    byHand.cpu.toFixed(1),
    (preparer.cpu / byHand.cpu).toFixed(2),
  ]);
}

const head = [
  'source',
  'size',
  'plan',
  'preparer s',
  'by hand s',
  'ratio',
  'preparer CPU s',
  'by hand CPU s',
  'CPU ratio',
];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]) =>
  `| ${cells.map((c, i) => (i < 3 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
console.log(`${SECONDS} s at ${SIZE}, 30 fps, to H.264 (libx264 veryfast, CRF 20) + AAC in MP4`);
console.log(line(head));
console.log(
  `| ${widths.map((w, i) => (i < 3 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`,
);
for (const row of rows) console.log(line(row));
// A shared machine's other work lands on one run or the other: the wall ratio moves with it,
// the CPU seconds much less.
console.log(
  `load average after the runs: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
