import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTestPatternVideo, sha256File } from '@tiktok-fleet/testing/videos';

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

export async function chaosVideos(root: string): Promise<ChaosVideo[]> {
  const dir = join(root, '.tmp', 'chaos-videos');
  await mkdir(dir, { recursive: true });
  const videos: ChaosVideo[] = [];
  for (const seconds of durations) {
    const name = `chaos-${seconds}s.mp4`;
    const file = join(dir, name);
    if (!(await stat(file).catch(() => undefined))) await makeTestPatternVideo(file, seconds);
    videos.push({ file, name, size: (await stat(file)).size, sha256: await sha256File(file) });
  }
  return videos;
}
