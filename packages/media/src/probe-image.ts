import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { VideoProbeError } from './errors';
import { PhotoError } from './image-errors';
import { runFfprobe } from './run-ffprobe';

export interface ImageProbe {
  /** ffprobe's codec name: mjpeg (JPEG), webp, png, hevc (HEIC), ... */
  codec: string;
  /** ffprobe's format name: image2, webp_pipe, png_pipe, "mov,mp4,..." for HEIC. */
  formatName: string;
  width: number;
  height: number;
  sizeBytes: number;
}

/**
 * Reads one image's codec and pixel size with the same ffprobe the videos use (it reads
 * JPEG, PNG and WebP; HEIC as far as the build's mov demuxer goes). `index` is the image's
 * place in the carousel, for the error.
 */
export async function probeImage(
  path: string,
  index: number,
  options: { timeoutMs?: number; ffprobePath?: string } = {},
): Promise<ImageProbe> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => undefined);
  if (!info) throw new PhotoError('photo_not_found', index, 'the image file does not exist.');
  if (!info.isFile() || info.size === 0) {
    throw new PhotoError(
      'photo_unreadable',
      index,
      'this is not an image file (it is empty or not a file).',
    );
  }
  const result = await runFfprobe(absolute, {
    timeoutMs: options.timeoutMs ?? 10_000,
    ...(options.ffprobePath && { ffprobePath: options.ffprobePath }),
  }).catch((error: unknown) => {
    if (error instanceof VideoProbeError) {
      throw new PhotoError(
        'photo_probe_failed',
        index,
        'the image could not be checked (ffprobe did not run or finish); try again later.',
      );
    }
    throw error;
  });
  const stream = result.ok
    ? result.streams.find((s) => s.codec_type === 'video' && s.width && s.height)
    : undefined;
  if (!result.ok || !stream?.codec_name || !stream.width || !stream.height) {
    throw new PhotoError(
      'photo_unreadable',
      index,
      'this file cannot be read as an image. Send a JPEG or WebP picture.',
      result.ok ? {} : { reason: result.reason },
    );
  }
  return {
    codec: stream.codec_name,
    formatName: result.format.format_name ?? '',
    width: stream.width,
    height: stream.height,
    sizeBytes: info.size,
  };
}
