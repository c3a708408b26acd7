import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface ChaosVideo {
  /** Absolute path of the cached file. */
  file: string;
  name: string;
  size: number;
  sha256: string;
}

/**
 * Lossless H.264 test patterns of about 13, 18 and 24 MB (2 to 4 chunks of 5 MiB or more), made with
 * ffmpeg on the first run and cached under `.tmp/chaos-videos/`: every run sends the same
 * bytes, and TikTok's sha256 of a publish is checked against the file's.
 */
const durations = [6.5, 9, 12];

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(path)) hash.update(piece as Buffer);
  return hash.digest('hex');
}

async function makeVideo(path: string, seconds: number): Promise<void> {
  const partial = `${path}.${process.pid}.part.mp4`;
  await promisify(execFile)('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=720x1280:rate=30',
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-qp',
    '0',
    '-pix_fmt',
    'yuv420p',
    partial,
  ]);
  await rename(partial, path);
}

export async function chaosVideos(root: string): Promise<ChaosVideo[]> {
  const dir = join(root, '.tmp', 'chaos-videos');
  await mkdir(dir, { recursive: true });
  const videos: ChaosVideo[] = [];
  for (const seconds of durations) {
    const name = `chaos-${seconds}s.mp4`;
    const file = join(dir, name);
    if (!(await stat(file).catch(() => undefined))) await makeVideo(file, seconds);
    videos.push({ file, name, size: (await stat(file)).size, sha256: await sha256File(file) });
  }
  return videos;
}
