import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { promisify } from 'node:util';

/**
 * A valid video TikTok takes, made with ffmpeg: lossless H.264 of a moving test pattern,
 * 720x1280 at 30 fps, about 1.9 MiB a second, so its size is set by its length. Written
 * to a part file first and renamed, so a run that stops half-way leaves no short video at
 * `path` for the next run to take.
 */
export async function makeTestPatternVideo(path: string, seconds: number): Promise<void> {
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

/** The hex sha256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(path)) hash.update(piece as Buffer);
  return hash.digest('hex');
}
