import { type ProbeVideoOptions, probeVideo, type VideoProbe } from './probe-video';
import { assertValidVideo, type ValidateVideoOptions } from './validate-video';

/**
 * Probes a file and applies TikTok's rules: what the publish worker runs before an upload.
 * Returns the probe of a postable video; throws VideoValidationError (do not retry) or
 * VideoProbeError (retry later).
 */
export async function checkVideoFile(
  path: string,
  options: ProbeVideoOptions & ValidateVideoOptions = {},
): Promise<VideoProbe> {
  const probe = await probeVideo(path, options);
  assertValidVideo(probe, options);
  return probe;
}
