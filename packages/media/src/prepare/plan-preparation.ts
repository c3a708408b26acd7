import { TIKTOK_VIDEO_LIMITS as L } from '../limits';
import type { VideoProbe } from '../probe-video';
import { validateVideo } from '../validate-video';

/**
 * What the preparer does with a file (docs/architecture.md, Preparing a video):
 * - `keep`: upload it as it is. Either TikTok takes it, or something ffmpeg must not fix is
 *   wrong (too short, too long, too small, no picture): validation then refuses it with
 *   that rule's code, and converting it first would only waste the CPU.
 * - `remux`: only the container is wrong; the video stream is copied bit for bit
 *   (`-c:v copy`) into MP4, and the sound too when it is AAC already.
 * - `transcode`: the picture itself must change: H.264 8-bit 4:2:0, at `fps` when the rate
 *   is out of TikTok's range, keeping the size and the rotation.
 */
export type PreparePlan =
  | { kind: 'keep'; why: string }
  | { kind: 'remux' | 'transcode'; reasons: string[]; audio: AudioPlan; fps?: number };

/** The sound: copied when it is AAC already, encoded to AAC otherwise, or there is none. */
export type AudioPlan = 'copy' | 'aac' | 'none';

/** The rules ffmpeg can make a file meet without changing what it shows or how long it is. */
const FIXABLE = new Set([
  'video_format_invalid',
  'video_codec_unsupported',
  'video_frame_rate_invalid',
]);

/** Codecs MP4 carries as they are (TikTok takes VP8/VP9 only in WebM, so those are encoded). */
const MP4_VIDEO_CODECS = new Set(['h264', 'hevc']);

/** 8-bit 4:2:0, the only picture every TikTok player decodes (yuvj420p is its full-range twin). */
const PLAIN_PIXEL_FORMATS = new Set(['yuv420p', 'yuvj420p', 'nv12']);

/** A rate below TikTok's range goes to this (frames are repeated); above it, to the maximum. */
export const LOW_FRAME_RATE_TARGET = 30;

/** The probe carries the pixel format and profile: no second ffprobe run is needed here. */
export function planPreparation(probe: VideoProbe): PreparePlan {
  const problems = validateVideo(probe);
  const unfixable = problems.filter((p) => !FIXABLE.has(p.code));
  const { video } = probe;
  if (!video || unfixable.length > 0) {
    return {
      kind: 'keep',
      why: `preparing cannot help: ${unfixable.map((p) => p.code).join(', ') || 'no video'}`,
    };
  }
  const reasons: string[] = [];
  let encode = false;
  let fps: number | undefined;

  if (
    !MP4_VIDEO_CODECS.has(video.codec) &&
    !(L.codecs as readonly string[]).includes(video.codec)
  ) {
    reasons.push(`the ${video.codec} codec`);
    encode = true;
  }
  if (video.pixelFormat && !PLAIN_PIXEL_FORMATS.has(video.pixelFormat)) {
    reasons.push(
      `the ${video.pixelFormat} pixel format${video.profile ? ` (${video.profile})` : ''}`,
    );
    encode = true;
  }
  if (video.fps !== undefined && video.fps > L.maxFps + L.fpsTolerance) {
    reasons.push(`${video.fps} fps`);
    fps = L.maxFps;
    encode = true;
  } else if (video.fps !== undefined && video.fps < L.minFps - L.fpsTolerance) {
    reasons.push(`${video.fps} fps`);
    fps = LOW_FRAME_RATE_TARGET;
    encode = true;
  }
  const containerWrong = problems.some((p) => p.code === 'video_format_invalid');
  if (containerWrong) {
    reasons.push(`the ${probe.container} container`);
    // VP8/VP9 from Matroska: TikTok takes them only in WebM, MP4 wants H.264 or HEVC.
    if (!MP4_VIDEO_CODECS.has(video.codec)) encode = true;
  }
  if (reasons.length === 0) return { kind: 'keep', why: 'TikTok takes it as it is' };
  const audio: AudioPlan = !probe.audio ? 'none' : probe.audio.codec === 'aac' ? 'copy' : 'aac';
  if (audio === 'aac') reasons.push(`${probe.audio?.codec} sound`);
  return { kind: encode ? 'transcode' : 'remux', reasons, audio, ...(fps && { fps }) };
}
