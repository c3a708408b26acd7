import { resolve } from 'node:path';
import { DEFAULT_PROBE_TIMEOUT_MS } from '../probe-video';
import { type FfprobeStream, runFfprobe } from '../run-ffprobe';

/** What the preparer needs beside the probe: how the picture is stored. */
export interface PictureFormat {
  /** ffprobe's pixel format: yuv420p, yuv420p10le, yuv422p, yuv444p... */
  pixelFormat: string | undefined;
  /** The codec profile: High, Main 10, High 4:2:2... */
  profile: string | undefined;
}

/** The fields of ffprobe's stream table the probe leaves out. */
type StreamWithPicture = FfprobeStream & { pix_fmt?: string; profile?: string };

/**
 * Reads the pixel format and profile of the first real video stream, with the same ffprobe
 * and the same guards as the probe (local files only, hard timeout). A file ffprobe cannot
 * read gives nothing: the probe has already said what is wrong with it.
 */
export async function readPictureFormat(
  path: string,
  options: { timeoutMs?: number; ffprobePath?: string } = {},
): Promise<PictureFormat> {
  const result = await runFfprobe(resolve(path), {
    timeoutMs: options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
    ffprobePath: options.ffprobePath,
  });
  if (!result.ok) return { pixelFormat: undefined, profile: undefined };
  const video = result.streams.find(
    (s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1,
  ) as StreamWithPicture | undefined;
  return { pixelFormat: video?.pix_fmt, profile: video?.profile };
}
