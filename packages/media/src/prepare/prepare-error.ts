/**
 * Why a video could not be prepared. `ffmpeg_error`: ffmpeg refused the file (the message
 * carries its last error line); `timeout` and `too_large`: the transcode went past
 * PREPARE_TIMEOUT_MS or PREPARE_MAX_OUTPUT_BYTES. Each ends the post `video_prepare_failed`:
 * the same file gives the same answer on another try.
 */
export type PrepareFailureReason = 'ffmpeg_error' | 'timeout' | 'too_large';

export class VideoPrepareError extends Error {
  override readonly name = 'VideoPrepareError';
  readonly code = 'video_prepare_failed';
  readonly retryable = false;

  constructor(
    readonly reason: PrepareFailureReason,
    message: string,
    readonly details: Readonly<Record<string, string | number>> = {},
  ) {
    super(message);
  }

  toJSON() {
    return {
      code: this.code,
      message: this.message,
      details: { reason: this.reason, ...this.details },
    };
  }
}

/** ffmpeg itself could not be started (not installed, not executable): our side, retry later. */
export class FfmpegUnavailableError extends Error {
  override readonly name = 'FfmpegUnavailableError';
  readonly code = 'video_prepare_unavailable';
  readonly retryable = true;
}
