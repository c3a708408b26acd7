import { execFile } from 'node:child_process';
import { rename, rm, stat } from 'node:fs/promises';
import { PhotoError } from './image-errors';
import { TIKTOK_PHOTO_LIMITS } from './image-limits';

export interface PrepareImageOptions {
  /** ffmpeg is killed after this long. A 50-megapixel photo converts in about a second. */
  timeoutMs?: number;
  /** Debian's ffmpeg on the PATH by default (the images install it). */
  ffmpegPath?: string;
}

/** JPEG qualities (ffmpeg's -q:v, 2 is best) tried in turn until the file fits in 20 MB. */
const QUALITIES = [2, 5, 10];

/**
 * Turns one image ffmpeg can read (PNG, HEIC, an oversized JPEG or WebP) into a JPEG TikTok
 * takes: the longer side at most 1080 px (never upscaled, aspect kept), at most 20 MB.
 * Written to a part file and renamed, so a crash never leaves a half image at `destination`.
 */
export async function prepareImage(
  source: string,
  destination: string,
  index: number,
  options: PrepareImageOptions = {},
): Promise<{ sizeBytes: number }> {
  const max = TIKTOK_PHOTO_LIMITS.maxLongerSidePx;
  // Fit the longer side into `max`; -2 keeps the other side even and the aspect ratio.
  const scale = `scale='if(gte(iw,ih),min(${max},iw),-2)':'if(gte(iw,ih),-2,min(${max},ih))'`;
  const partial = `${destination}.${process.pid}.part.jpg`;
  try {
    for (const quality of QUALITIES) {
      // biome-ignore format: option and value side by side read better
      await run(options, [
        '-v', 'error', '-y',
        '-protocol_whitelist', 'file',
        '-i', `file:${source}`,
        '-frames:v', '1',
        '-vf', `${scale},format=yuvj420p`,
        '-q:v', String(quality),
        '-f', 'image2', '-c:v', 'mjpeg',
        `file:${partial}`,
      ], index);
      const { size } = await stat(partial);
      if (size <= TIKTOK_PHOTO_LIMITS.maxSizeBytes) {
        await rename(partial, destination);
        return { sizeBytes: size };
      }
    }
    throw new PhotoError(
      'photo_prepare_failed',
      index,
      'the image stays above 20 MB even as a 1080 px JPEG; send a smaller picture.',
    );
  } finally {
    await rm(partial, { force: true });
  }
}

function run(options: PrepareImageOptions, args: string[], index: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      options.ffmpegPath ?? 'ffmpeg',
      args,
      { timeout: options.timeoutMs ?? 60_000, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (!error) return resolve();
        if (error.killed || typeof error.code === 'string') {
          return reject(
            new PhotoError(
              'photo_probe_failed',
              index,
              'the image could not be converted (ffmpeg did not run or finish); try again later.',
            ),
          );
        }
        // ffmpeg's last line says why; the paths in it are the fleet's own, so they go.
        const lastLine = (stderr.trim().split('\n').at(-1) ?? 'ffmpeg failed').replace(
          /file:\S+/g,
          'the image',
        );
        reject(
          new PhotoError(
            'photo_prepare_failed',
            index,
            `ffmpeg could not turn the image into a JPEG: ${lastLine}`,
          ),
        );
      },
    );
  });
}
