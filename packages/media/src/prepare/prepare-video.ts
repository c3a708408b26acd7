import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { probeVideo, type VideoProbe } from '../probe-video';
import { ffmpegOptions } from './ffmpeg-args';
import { type PreparePlan, planPreparation } from './plan-preparation';
import { runFfmpeg, tooLarge } from './run-ffmpeg';

export interface PrepareVideoOptions {
  /** MEDIA_ROOT/prepared: results are named by the source's sha256. */
  preparedDir: string;
  timeoutMs: number;
  maxOutputBytes: number;
  ffmpegPath?: string;
  onProgress?: (percent: number) => void;
  signal?: AbortSignal;
}

export type PrepareOutcome =
  | { kind: 'kept'; why: string }
  | {
      kind: 'prepared';
      path: string;
      plan: Extract<PreparePlan, { kind: 'remux' | 'transcode' }>;
      /** Another post's preparation of the same bytes was found and used. */
      reused: boolean;
    };

/** A part file nobody has written to for this long belongs to a process that died. */
const DEAD_PART_MS = 60_000;

/**
 * The probe and what the preparer would do with the file, without doing it: one probe (the
 * plan reads the pixel format from it), which a caller that goes on with the file as it is
 * may reuse instead of probing again.
 */
export async function planForFile(path: string): Promise<{ probe: VideoProbe; plan: PreparePlan }> {
  const probe = await probeVideo(path);
  return { probe, plan: planPreparation(probe) };
}

/**
 * Makes a file TikTok takes out of one it would refuse, when ffmpeg can: see
 * {@link planPreparation}. The result is `<preparedDir>/<sha256 of the source>.mp4`, so the
 * same bytes are prepared once whoever posts them. ffmpeg writes a part file of its own that
 * is renamed into place only once complete: a crash leaves no half file under the final name.
 */
export async function prepareVideo(
  sourcePath: string,
  options: PrepareVideoOptions,
): Promise<PrepareOutcome> {
  const { probe, plan } = await planForFile(sourcePath);
  if (plan.kind === 'keep') return { kind: 'kept', why: plan.why };

  const sha256 = await sha256Of(sourcePath);
  const target = join(options.preparedDir, `${sha256}.mp4`);
  const existing = await stat(target).catch(() => undefined);
  // Touched so the API's sweep (media-expiry.ts), which keeps a recently modified copy,
  // leaves it alone until the post that reuses it has recorded it; a copy swept just now
  // (the touch fails) is made again.
  const now = new Date();
  if (
    existing?.isFile() &&
    existing.size > 0 &&
    (await utimes(target, now, now).then(
      () => true,
      () => false,
    ))
  )
    return { kind: 'prepared', path: target, plan, reused: true };

  await mkdir(options.preparedDir, { recursive: true });
  await removeDeadParts(options.preparedDir, `${sha256}.mp4.`);
  const part = `${target}.${process.pid}-${randomBytes(4).toString('hex')}.part`;
  try {
    const { input, output } = ffmpegOptions(probe, plan, options.maxOutputBytes);
    await runFfmpeg({
      input: sourcePath,
      output: part,
      inputOptions: input,
      outputOptions: output,
      durationSec: probe.durationSec,
      timeoutMs: options.timeoutMs,
      maxOutputBytes: options.maxOutputBytes,
      ffmpegPath: options.ffmpegPath,
      onProgress: options.onProgress,
      signal: options.signal,
    });
    // -fs makes ffmpeg stop quietly at the bound: a file that reached it is cut short.
    if ((await stat(part)).size >= options.maxOutputBytes) throw tooLarge(options.maxOutputBytes);
    await rename(part, target);
  } finally {
    await rm(part, { force: true });
  }
  return { kind: 'prepared', path: target, plan, reused: false };
}

export async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(path)) hash.update(piece as Buffer);
  return hash.digest('hex');
}

/** Part files of this source left by a process that was killed mid-transcode. */
async function removeDeadParts(dir: string, prefix: string): Promise<void> {
  const names = (await readdir(dir)).filter((n) => n.startsWith(prefix) && n.endsWith('.part'));
  for (const name of names) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > DEAD_PART_MS) await rm(path, { force: true });
  }
}
