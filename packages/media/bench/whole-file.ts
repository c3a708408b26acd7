/**
 * What proving a video whole costs: probeVideo (the header and every packet counted to the
 * end, one ffprobe run for an MP4) against the header read alone, side by side on the same ~70 MB file, made with
 * ffmpeg for the run (36 s of the lossless test pattern with a tone, faststart MP4).
 *
 *   pnpm --filter @tiktok-fleet/media bench
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_PROBE_TIMEOUT_MS, probeVideo } from '../src/index';
import { runFfprobe } from '../src/run-ffprobe';

const ROUNDS = 9;
const dir = await mkdtemp(join(tmpdir(), 'tf-whole-file-bench-'));
const path = join(dir, 'seventy.mp4');
try {
  // biome-ignore format: option and value side by side read better
  await promisify(execFile)('ffmpeg', [
    '-v', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=720x1280:rate=30',
    '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-t', '36', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-movflags', '+faststart', path,
  ]);
  const size = (await stat(path)).size;
  const timed = async (fn: () => Promise<unknown>) => {
    const started = performance.now();
    await fn();
    return performance.now() - started;
  };
  const header = () => runFfprobe(path, { timeoutMs: DEFAULT_PROBE_TIMEOUT_MS });
  const whole = () => probeVideo(path);
  await header();
  await whole(); // warm the page cache and the binary
  const headerMs: number[] = [];
  const wholeMs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    headerMs.push(await timed(header));
    wholeMs.push(await timed(whole));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const h = median(headerMs);
  const w = median(wholeMs);
  console.log(
    `file: ${(size / 1024 ** 2).toFixed(1)} MiB (${size} bytes), ${ROUNDS} rounds, medians`,
  );
  console.log(`header read only (baseline)      ${h.toFixed(1).padStart(7)} ms`);
  console.log(`probeVideo (header + packets)    ${w.toFixed(1).padStart(7)} ms`);
  console.log(
    `cost of proving the file whole   ${(w - h).toFixed(1).padStart(7)} ms  (ratio ${(w / h).toFixed(2)}x)`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
