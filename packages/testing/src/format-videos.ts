import { execFile } from 'node:child_process';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Videos in the formats the preparer takes (AVI, FLV, MPEG-PS, MKV, 10-bit HEVC, 120 fps),
 * and one TikTok takes as it is, made with ffmpeg at test time: a test pattern with a tone,
 * `seconds` long, 480x360 by default (TikTok's 360 px minimum on the short side), so each
 * takes well under a second to make and to prepare.
 */
export type FormatVideo = 'avi' | 'flv' | 'mpeg-ps' | 'mkv' | 'hevc-10bit' | 'fps-120' | 'mp4';

export const FORMAT_VIDEOS: Record<
  FormatVideo,
  { file: string; args: string[]; rate?: number; rotate?: number }
> = {
  avi: { file: 'clip.avi', args: ['-c:v', 'mpeg4', '-q:v', '5', '-c:a', 'libmp3lame'] },
  flv: { file: 'clip.flv', args: ['-c:v', 'flv', '-q:v', '5', '-c:a', 'libmp3lame'] },
  'mpeg-ps': {
    file: 'clip.mpg',
    args: ['-c:v', 'mpeg1video', '-q:v', '5', '-c:a', 'mp2', '-f', 'mpeg'],
  },
  mkv: {
    file: 'clip.mkv',
    args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'libvorbis'],
  },
  'hevc-10bit': {
    file: 'clip-hevc10.mp4',
    args: [
      '-c:v',
      'libx265',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p10le',
      '-tag:v',
      'hvc1',
      '-x265-params',
      'log-level=error',
      '-c:a',
      'aac',
    ],
  },
  // Turned a quarter for display (a phone held upright), so the rotation must survive.
  'fps-120': {
    file: 'clip-120fps.mp4',
    rate: 120,
    rotate: 90,
    args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac'],
  },
  mp4: {
    file: 'clip.mp4',
    args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac'],
  },
};

/** Writes the video of `kind` into `dir` and returns its path (part file + rename). */
export async function makeFormatVideo(
  dir: string,
  kind: FormatVideo,
  options: { seconds?: number; size?: string; name?: string } = {},
): Promise<string> {
  const spec = FORMAT_VIDEOS[kind];
  const path = join(dir, options.name ? `${options.name}-${spec.file}` : spec.file);
  const dot = path.lastIndexOf('.');
  const partial = `${path.slice(0, dot)}.part${path.slice(dot)}`;
  // biome-ignore format: option and value side by side read better
  await promisify(execFile)('ffmpeg', [
    '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${options.size ?? '480x360'}:rate=${spec.rate ?? 30}`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-t', String(options.seconds ?? 3.5),
    ...spec.args,
    partial,
  ]);
  if (spec.rotate) {
    // ffmpeg 5 writes the display matrix only when it copies a stream, not when it encodes one.
    const rotated = `${partial}.rotated${path.slice(dot)}`;
    // biome-ignore format: option and value side by side read better
    await promisify(execFile)('ffmpeg', [
      '-v', 'error', '-y', '-i', partial, '-c', 'copy',
      '-metadata:s:v:0', `rotate=${spec.rotate}`, rotated,
    ]);
    await rename(rotated, partial);
  }
  await rename(partial, path);
  return path;
}
