import {
  assertValidVideo,
  contentTypeFor,
  probeVideo,
  type VideoContentType,
  type VideoProbe,
} from '@tiktok-fleet/media';

/** A local video as the upload needs it: where it is, its size and its content type. */
export interface VideoFile {
  path: string;
  size: number;
  contentType: VideoContentType;
  durationSec: number | undefined;
  probe: VideoProbe;
}

/**
 * Probes a local video and, given `rules`, checks it against TikTok's rules (with the
 * creator's own maximum duration when TikTok told us one). A resumed upload passes none:
 * its video passed them before its init. `probed`: this attempt's probe of the same path
 * (the prepare check's), used instead of running ffprobe again.
 */
export async function probeVideoFile(
  path: string,
  rules?: { maxDurationSec?: number },
  probed?: { path: string; probe: VideoProbe },
): Promise<VideoFile> {
  const probe = probed?.path === path ? probed.probe : await probeVideo(path);
  if (rules) assertValidVideo(probe, rules);
  return {
    path,
    size: probe.sizeBytes,
    contentType: contentTypeFor(probe),
    durationSec: probe.durationSec,
    probe,
  };
}
