/**
 * TikTok's video rules, from its media transfer guide (docs/tiktok-api.md, Media requirements).
 * The older description the project started from also lists MPEG, AVI and FLV; TikTok's own, newer
 * page does not, so they are refused rather than risk a post that fails after a 4 GB upload.
 */
export const TIKTOK_VIDEO_LIMITS = {
  containers: ['mp4', 'mov', 'webm'],
  codecs: ['h264', 'hevc', 'vp8', 'vp9'],
  /**
   * 8-bit 4:2:0, the only sampling every phone decodes in hardware. Not in TikTok's docs
   * (docs/tiktok-api.md, Media requirements): 10-bit HEVC and H.264 4:4:4 pass TikTok's
   * codec list but are refused here, before an upload that may not play.
   */
  pixelFormats: ['yuv420p', 'yuvj420p', 'nv12'],
  /** Not in TikTok's docs; every third-party source gives 3 s. */
  minDurationSec: 3,
  /** The longest any creator may post through the API; most creators get less. */
  maxDurationSec: 600,
  /**
   * "4 GB", read as 4 GiB (4 * 1024^3 bytes). TikTok does not say which unit it means, the
   * same open question as the MB of its chunk sizes (docs/tiktok-api.md, Open questions). Only a
   * file of 4.0e9 to 4.29e9 bytes depends on the choice; if TikTok means 10^9, TikTok refuses it
   * after the upload instead of us before it.
   */
  maxSizeBytes: 4 * 1024 ** 3,
  minShortSidePx: 360,
  maxSidePx: 4096,
  minFps: 23,
  maxFps: 60,
  /**
   * ffprobe's average frame rate of a variable-rate phone recording wanders a little around
   * the nominal one (a 60 fps clip may measure 60.02). Half a frame either way absorbs that
   * and still refuses 15 or 90 fps.
   */
  fpsTolerance: 0.5,
} as const;

export type AcceptedContainer = (typeof TIKTOK_VIDEO_LIMITS.containers)[number];
