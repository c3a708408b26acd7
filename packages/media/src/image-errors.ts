/** Stable codes for one image of a photo post; the message names the image by its index. */
export type PhotoErrorCode =
  | 'photo_not_found'
  | 'photo_unreadable'
  | 'photo_format_unsupported'
  | 'photo_size_too_large'
  | 'photo_resolution_too_high'
  | 'photo_prepare_failed'
  /** Our side: ffprobe or ffmpeg could not run or timed out; retrying may help. */
  | 'photo_probe_failed';

/** One image of a carousel cannot be posted (as it is). `index` is 0-based, as in `photos[i]`. */
export class PhotoError extends Error {
  override readonly name = 'PhotoError';

  constructor(
    readonly code: PhotoErrorCode,
    readonly index: number,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(`photos[${index}]: ${message}`);
  }

  /** Only a tool failure is worth another try; a bad image stays bad. */
  get retryable(): boolean {
    return this.code === 'photo_probe_failed';
  }
}
