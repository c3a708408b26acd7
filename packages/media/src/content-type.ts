import { VideoValidationError } from './errors';
import type { AcceptedContainer } from './limits';
import type { VideoProbe } from './probe-video';

export type VideoContentType = 'video/mp4' | 'video/quicktime' | 'video/webm';

const CONTENT_TYPES: Record<AcceptedContainer, VideoContentType> = {
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
};

/** The Content-Type for uploading this video to TikTok, from what the file is, not its name. */
export function contentTypeFor(probe: VideoProbe): VideoContentType {
  const type = (CONTENT_TYPES as Partial<Record<string, VideoContentType>>)[probe.container];
  if (type) return type;
  throw new VideoValidationError(
    'video_format_invalid',
    'TikTok accepts MP4, MOV or WebM files only. Convert the video to MP4 (H.264).',
    { container: probe.container, formatName: probe.formatName },
  );
}
