/**
 * Stable error codes. TikTok's own where it has one (the `video_*` codes of its Content
 * Posting errors); ours otherwise, in the same style so callers can treat them alike.
 */
export type VideoErrorCode =
  // The file itself: it is missing, empty or not a video we can read.
  | 'video_not_found'
  | 'video_not_a_file'
  | 'video_empty'
  | 'video_unreadable'
  // TikTok's rules (docs/tiktok-api.md, Media requirements).
  | 'video_format_invalid'
  | 'video_stream_missing'
  | 'video_codec_unsupported'
  | 'video_duration_too_short'
  | 'video_duration_too_long'
  | 'video_duration_unknown'
  | 'video_size_too_large'
  | 'video_resolution_too_low'
  | 'video_resolution_too_high'
  | 'video_frame_rate_invalid'
  // Our side failed to look at the file; says nothing about the video.
  | 'video_probe_timeout'
  | 'video_probe_failed';

export type VideoErrorDetails = Readonly<Record<string, unknown>>;

/** What an API answer or a post's stored error carries: no stack, no ffprobe output. */
export interface VideoErrorJson {
  code: VideoErrorCode;
  message: string;
  details: VideoErrorDetails;
}

export abstract class VideoError extends Error {
  abstract readonly retryable: boolean;

  constructor(
    readonly code: VideoErrorCode,
    message: string,
    readonly details: VideoErrorDetails = {},
  ) {
    super(message);
  }

  toJSON(): VideoErrorJson {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/**
 * The video cannot be posted as it is: retrying the same file gives the same answer, so a
 * job that gets this fails at once. The message says what is wrong and what to do.
 */
export class VideoValidationError extends VideoError {
  override readonly name = 'VideoValidationError';
  readonly retryable = false;
  /** Every rule the video broke, this one first, when it broke more than one. */
  readonly violations: readonly VideoValidationError[];

  constructor(
    code: VideoErrorCode,
    message: string,
    details: VideoErrorDetails = {},
    violations: readonly VideoValidationError[] = [],
  ) {
    super(code, message, details);
    this.violations = violations.length > 0 ? violations : [this];
  }
}

/**
 * ffprobe could not be run or did not finish. Nothing is known about the video, so the job
 * may be retried (a stalled volume or a busy machine can recover).
 */
export class VideoProbeError extends VideoError {
  override readonly name = 'VideoProbeError';
  readonly retryable = true;
}
