/**
 * TikTok's photo rules (docs/tiktok-api.md, Photo posts): JPEG or WebP, at most 20 MB, at most
 * 1080p. TikTok does not say which side "1080p" bounds; peers report a longer side above
 * 1080 px refused, so the longer side is held to 1080. "20 MB" is read as 20,000,000 bytes,
 * the smaller of the two readings, so no image passes here that TikTok could refuse for size.
 */
export const TIKTOK_PHOTO_LIMITS = {
  /** ffprobe's codec names: JPEG decodes as mjpeg. */
  codecs: ['mjpeg', 'webp'],
  maxSizeBytes: 20_000_000,
  maxLongerSidePx: 1080,
} as const;
