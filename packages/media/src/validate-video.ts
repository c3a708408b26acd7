import type { Container } from './container';
import { formatDuration, formatFps, formatLimit, formatSize } from './describe';
import { VideoValidationError } from './errors';
import { type AcceptedContainer, TIKTOK_VIDEO_LIMITS as L } from './limits';
import type { VideoProbe } from './probe-video';

export interface ValidateVideoOptions {
  /** The creator's `max_video_post_duration_sec` from creator info, when known. */
  maxDurationSec?: number;
}

/**
 * Checks a probed video against TikTok's rules and returns every rule it breaks (empty when
 * it may be posted), so a person can fix everything in one go. The first is the most
 * fundamental: a missing video track, then the container, the codec, and so on.
 */
export function validateVideo(
  probe: VideoProbe,
  options: ValidateVideoOptions = {},
): VideoValidationError[] {
  const maxDuration = maxDurationFor(options.maxDurationSec);
  const { video } = probe;

  if (!video) {
    // Nothing else about the file matters then, and "convert it to MP4" would mislead.
    return [
      new VideoValidationError(
        'video_stream_missing',
        `The file has no video track${probe.audio ? ', only sound' : ''}; TikTok needs a video. Upload the video file itself.`,
        { container: probe.container, formatName: probe.formatName },
      ),
    ];
  }

  const found: VideoValidationError[] = [];
  const fail = (...args: ConstructorParameters<typeof VideoValidationError>) =>
    found.push(new VideoValidationError(...args));

  if (!isAccepted(probe.container)) {
    fail(
      'video_format_invalid',
      `The file is ${containerLabel(probe)}; TikTok accepts MP4, MOV or WebM files. Convert it to MP4 (H.264).`,
      { container: probe.container, formatName: probe.formatName, allowed: L.containers },
    );
  }

  if (!(L.codecs as readonly string[]).includes(video.codec)) {
    fail(
      'video_codec_unsupported',
      `The video is encoded as ${video.codecLongName} (${video.codec}); TikTok accepts H.264, H.265 (HEVC), VP8 or VP9. Export it again as H.264.`,
      { codec: video.codec, allowed: L.codecs },
    );
  }

  const pixelFormat = video.pixelFormat;
  const codecAccepted = (L.codecs as readonly string[]).includes(video.codec);
  if (
    codecAccepted &&
    pixelFormat &&
    !(L.pixelFormats as readonly string[]).includes(pixelFormat)
  ) {
    const found = describeSampling(pixelFormat);
    fail(
      'video_format_invalid',
      `The video is ${found} ${codecName(video.codec)} (${video.profile ? `profile ${video.profile}, ` : ''}pixel format ${pixelFormat}); ` +
        'only 8-bit 4:2:0 video (yuv420p), which every phone plays, is posted. Export it again as 8-bit H.264 with the yuv420p pixel format.',
      {
        codec: video.codec,
        pixelFormat,
        ...(video.profile && { profile: video.profile }),
        allowed: L.pixelFormats,
      },
    );
  }

  const duration = probe.durationSec;
  if (duration === undefined) {
    fail(
      'video_duration_unknown',
      `The video's length could not be measured, so it cannot be checked against TikTok's limit of ${formatLimit(L.minDurationSec)} to ${formatLimit(maxDuration.sec)}. Export it again (as MP4, for example) so its length is recorded.`,
      { minDurationSec: L.minDurationSec, maxDurationSec: maxDuration.sec },
    );
  } else if (duration < L.minDurationSec) {
    fail(
      'video_duration_too_short',
      `The video is ${formatDuration(duration, L.minDurationSec)} long; TikTok needs at least ${formatLimit(L.minDurationSec)}. Use a longer clip.`,
      { durationSec: duration, minDurationSec: L.minDurationSec },
    );
  } else if (duration > maxDuration.sec) {
    const who =
      maxDuration.source === 'creator'
        ? `this TikTok account can post videos of up to ${formatLimit(maxDuration.sec)}`
        : `TikTok accepts videos of up to ${formatLimit(maxDuration.sec)} from apps`;
    fail(
      'video_duration_too_long',
      `The video is ${formatDuration(duration, maxDuration.sec)} long; ${who}. Trim it to ${formatLimit(maxDuration.sec)} or less.`,
      { durationSec: duration, maxDurationSec: maxDuration.sec, limitSource: maxDuration.source },
    );
  }

  if (probe.sizeBytes > L.maxSizeBytes) {
    fail(
      'video_size_too_large',
      `The file is ${formatSize(probe.sizeBytes)}; TikTok accepts at most ${formatSize(L.maxSizeBytes)}. Export it at a lower bitrate or trim it.`,
      { sizeBytes: probe.sizeBytes, maxSizeBytes: L.maxSizeBytes },
    );
  }

  const size = `${video.width}x${video.height} px`;
  const shortSide = Math.min(video.width, video.height);
  if (shortSide < L.minShortSidePx) {
    fail(
      'video_resolution_too_low',
      `The video is ${size}; TikTok needs at least ${L.minShortSidePx} px on the short side. Export it at 720x1280 (or at least 360p).`,
      { width: video.width, height: video.height, minShortSidePx: L.minShortSidePx },
    );
  }
  if (Math.max(video.width, video.height) > L.maxSidePx) {
    fail(
      'video_resolution_too_high',
      `The video is ${size}; TikTok accepts at most ${L.maxSidePx} px on each side. Export it at 1080x1920 or another size within ${L.maxSidePx} px.`,
      { width: video.width, height: video.height, maxSidePx: L.maxSidePx },
    );
  }

  const fps = video.fps;
  const range = `${L.minFps} to ${L.maxFps} fps`;
  if (fps === undefined) {
    fail(
      'video_frame_rate_invalid',
      `The video's frame rate could not be measured; TikTok needs ${range}. Export it again at 30 fps.`,
      { minFps: L.minFps, maxFps: L.maxFps },
    );
  } else if (fps < L.minFps - L.fpsTolerance || fps > L.maxFps + L.fpsTolerance) {
    fail(
      'video_frame_rate_invalid',
      `The video runs at ${formatFps(fps)}; TikTok needs ${range}. Export it at 30 fps${fps > L.maxFps ? ' (or 60)' : ''}.`,
      { fps, minFps: L.minFps, maxFps: L.maxFps },
    );
  }

  return found;
}

/**
 * Throws when the video breaks any rule: one error with the first rule's code (the post's
 * error code), a message that lists every problem, and all of them in `violations`.
 */
export function assertValidVideo(probe: VideoProbe, options: ValidateVideoOptions = {}): void {
  const [first, ...rest] = validateVideo(probe, options);
  if (!first) return;
  if (rest.length === 0) throw first;
  const all = [first, ...rest];
  throw new VideoValidationError(
    first.code,
    all.map((v) => v.message).join(' '),
    { ...first.details, violations: all.map((v) => v.toJSON()) },
    all,
  );
}

function maxDurationFor(creatorMax: number | undefined): {
  sec: number;
  source: 'creator' | 'tiktok';
} {
  if (creatorMax === undefined) return { sec: L.maxDurationSec, source: 'tiktok' };
  if (!Number.isFinite(creatorMax) || creatorMax <= 0) {
    // A caller bug, not the user's: creator info always gives a positive number.
    throw new RangeError(`maxDurationSec must be a positive number, got ${creatorMax}`);
  }
  return creatorMax < L.maxDurationSec
    ? { sec: creatorMax, source: 'creator' }
    : { sec: L.maxDurationSec, source: 'tiktok' };
}

function isAccepted(container: Container): container is AcceptedContainer {
  return (L.containers as readonly string[]).includes(container);
}

const CODEC_NAMES: Record<string, string> = { h264: 'H.264', hevc: 'HEVC', vp8: 'VP8', vp9: 'VP9' };

function codecName(codec: string): string {
  return CODEC_NAMES[codec] ?? codec;
}

/** "10-bit 4:2:0", "8-bit 4:4:4" from ffprobe's pixel format name (yuv420p10le, yuv444p). */
function describeSampling(pixelFormat: string): string {
  const bits = /p(\d+)(?:le|be)$/.exec(pixelFormat)?.[1] ?? '8';
  const chroma = /^(?:yuvj?|yuva|gbr)(4\d\d)?/.exec(pixelFormat);
  const sampling =
    pixelFormat.startsWith('gbr') || pixelFormat.startsWith('rgb') || pixelFormat.startsWith('bgr')
      ? 'RGB'
      : chroma?.[1]
        ? `${chroma[1][0]}:${chroma[1][1]}:${chroma[1][2]}`
        : pixelFormat;
  return `${bits}-bit ${sampling}`;
}

const CONTAINER_LABELS: Partial<Record<Container, string>> = {
  matroska: 'a Matroska (MKV) file',
  m4a: 'an M4A audio file',
  '3gp': 'a 3GP file',
  mj2: 'a Motion JPEG 2000 file',
  avi: 'an AVI file',
  flv: 'an FLV (Flash video) file',
  mpeg: 'an MPEG program stream file',
  mpegts: 'an MPEG transport stream (.ts) file',
  gif: 'an animated GIF',
};

function containerLabel(probe: VideoProbe): string {
  return CONTAINER_LABELS[probe.container] ?? `in the ${probe.formatLongName} format`;
}
