import { PhotoError } from './image-errors';
import { TIKTOK_PHOTO_LIMITS } from './image-limits';
import type { ImageProbe } from './probe-image';

const FORMAT_NAMES: Record<string, string> = {
  mjpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  hevc: 'HEIC',
};

/** What is wrong with an image for TikTok, or undefined when TikTok takes it as it is. */
export function imageProblem(probe: ImageProbe, index: number): PhotoError | undefined {
  const limits = TIKTOK_PHOTO_LIMITS;
  if (!(limits.codecs as readonly string[]).includes(probe.codec)) {
    const name = FORMAT_NAMES[probe.codec] ?? probe.codec;
    return new PhotoError(
      'photo_format_unsupported',
      index,
      `the image is ${name}; TikTok takes only JPEG and WebP photos. Convert it, or send the post with "prepare": "auto".`,
      { codec: probe.codec },
    );
  }
  if (probe.sizeBytes > limits.maxSizeBytes) {
    return new PhotoError(
      'photo_size_too_large',
      index,
      `the image is ${probe.sizeBytes} bytes; TikTok takes at most ${limits.maxSizeBytes} (20 MB). Make it smaller, or send the post with "prepare": "auto".`,
      { sizeBytes: probe.sizeBytes, maxSizeBytes: limits.maxSizeBytes },
    );
  }
  const longer = Math.max(probe.width, probe.height);
  if (longer > limits.maxLongerSidePx) {
    return new PhotoError(
      'photo_resolution_too_high',
      index,
      `the image is ${probe.width}x${probe.height}; TikTok takes photos up to ${limits.maxLongerSidePx} px on the longer side. Scale it down, or send the post with "prepare": "auto".`,
      { width: probe.width, height: probe.height, maxLongerSidePx: limits.maxLongerSidePx },
    );
  }
  return undefined;
}
