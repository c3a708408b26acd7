import type { VideoProbe } from '../probe-video';
import type { PreparePlan } from './plan-preparation';

/** The encoder settings of a transcode: a quality TikTok re-encodes anyway, at a quick preset. */
export const H264_OUTPUT = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20'];

/**
 * ffmpeg's input and output options for a plan (the same list the benchmark runs by hand).
 * The input is read with `-noautorotate`: the picture stays as stored and the rotation
 * (display matrix) is carried over, so the result is the source's size and rotation.
 */
export function ffmpegOptions(
  probe: VideoProbe,
  plan: Extract<PreparePlan, { kind: 'remux' | 'transcode' }>,
  maxOutputBytes: number,
): { input: string[]; output: string[] } {
  const input = ['-nostdin', '-noautorotate', '-protocol_whitelist', 'file'];
  const output = ['-map', '0:v:0', '-map', '0:a:0?', '-sn', '-dn'];
  if (plan.kind === 'remux') {
    output.push('-c:v', 'copy');
    // Apple's players (and TikTok's iOS app) want HEVC in MP4 tagged hvc1, not hev1.
    if (probe.video?.codec === 'hevc') output.push('-tag:v', 'hvc1');
  } else {
    output.push(...H264_OUTPUT, '-pix_fmt', 'yuv420p', '-profile:v', 'high');
    if (plan.fps) output.push('-r', String(plan.fps));
    const width = probe.video?.codedWidth ?? 0;
    const height = probe.video?.codedHeight ?? 0;
    // 4:2:0 needs even sides; an odd one loses its last pixel rather than gaining a padded one.
    if (width % 2 !== 0 || height % 2 !== 0) {
      output.push('-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2');
    }
  }
  if (plan.audio === 'copy') output.push('-c:a', 'copy');
  else if (plan.audio === 'aac') output.push('-c:a', 'aac', '-b:a', '160k');
  else output.push('-an');
  // -fs stops writing at the bound; the caller checks the size and fails a file that hit it.
  output.push('-movflags', '+faststart', '-fs', String(maxOutputBytes), '-f', 'mp4');
  return { input, output };
}
