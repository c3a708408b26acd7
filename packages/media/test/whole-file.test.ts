import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ffprobeStatic from 'ffprobe-static';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkVideoFile, probeVideo, VideoValidationError } from '../src/index';

const run = promisify(execFile);
let dir: string;

/** A 4 s test pattern made with ffmpeg now, with `codec` arguments. */
async function make(name: string, codec: string[], extra: string[] = []): Promise<string> {
  const path = join(dir, name);
  // biome-ignore format: option and value side by side read better
  await run('ffmpeg', [
    '-v', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=360x640:rate=30',
    '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-t', '4', ...codec, ...extra, path,
  ]);
  return path;
}

/** The first half of a file: what an interrupted upload or copy leaves. */
async function firstHalf(path: string, name: string): Promise<string> {
  const bytes = await readFile(path);
  const cut = join(dir, name);
  await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
  return cut;
}

async function refusal(
  path: string,
  options: { ffprobePath?: string } = {},
): Promise<VideoValidationError> {
  const error = await checkVideoFile(path, options).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(VideoValidationError);
  return error as VideoValidationError;
}

const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tf-whole-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a file cut short is refused, though its header says it is whole', () => {
  it('a faststart MP4 cut in half: video_unreadable with the byte where the data stops', async () => {
    const whole = await make('fast.mp4', h264, ['-movflags', '+faststart']);
    expect((await probeVideo(whole)).video?.codec).toBe('h264');
    const cut = await firstHalf(whole, 'fast-half.mp4');
    const error = await refusal(cut);
    expect(error.code).toBe('video_unreadable');
    expect(error.details).toMatchObject({ reason: 'truncated', framesExpected: 120 });
    const at = error.details.truncatedAtByte as number;
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThanOrEqual(error.details.sizeBytes as number);
    expect(error.details.framesRead as number).toBeLessThan(120);
    expect(error.message).toContain(`byte ${at.toLocaleString('en-US')}`);
  });

  it('a WebM cut in half (no index to count against): the picture stops before its duration', async () => {
    const whole = await make('v.webm', [
      '-c:v',
      'libvpx-vp9',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-c:a',
      'libopus',
    ]);
    expect((await probeVideo(whole)).container).toBe('webm');
    const error = await refusal(await firstHalf(whole, 'half.webm'));
    expect(error.code).toBe('video_unreadable');
    expect(error.details).toMatchObject({ reason: 'truncated' });
    expect(error.details.endsAtSec as number).toBeLessThan(3);
  });
});

describe('what the check costs: ffprobe runs per file', () => {
  /** The real ffprobe behind a script that notes each run in a log: how many runs a check makes. */
  async function countingFfprobe(
    name: string,
  ): Promise<{ path: string; runs: () => Promise<number> }> {
    const log = join(dir, `${name}.log`);
    const path = join(dir, name);
    await writeFile(
      path,
      `#!/bin/sh\necho run >> '${log}'\nexec '${process.env.FFPROBE_PATH || ffprobeStatic.path}' "$@"\n`,
    );
    await chmod(path, 0o755);
    const runs = async () =>
      (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    return { path, runs };
  }

  it('a whole MP4 takes one run; one cut short a second, only to say where its data stops', async () => {
    const whole = await make('once.mp4', h264, ['-movflags', '+faststart']);
    const wholeRuns = await countingFfprobe('ffprobe-whole');
    await checkVideoFile(whole, { ffprobePath: wholeRuns.path });
    expect(await wholeRuns.runs()).toBe(1);

    const cutRuns = await countingFfprobe('ffprobe-cut');
    const error = await refusal(await firstHalf(whole, 'once-half.mp4'), {
      ffprobePath: cutRuns.path,
    });
    expect(error.details).toMatchObject({ reason: 'truncated', framesExpected: 120 });
    expect(error.details.truncatedAtByte as number).toBeGreaterThan(0);
    expect(await cutRuns.runs()).toBe(2);
  });

  it('a fragmented MP4 (no frame count in its header) cut in half is still refused, by time', async () => {
    const whole = await make('frag.mp4', h264, [
      '-g',
      '30',
      '-movflags',
      'frag_keyframe+empty_moov',
    ]);
    await checkVideoFile(whole);
    const error = await refusal(await firstHalf(whole, 'frag-half.mp4'));
    expect(error.code).toBe('video_unreadable');
    expect(error.details).toMatchObject({ reason: 'truncated' });
    expect(error.details.endsAtSec as number).toBeLessThan(3);
  });
});

describe('pixel format: 8-bit 4:2:0 only, and the refusal names what was found', () => {
  it('10-bit HEVC (Main 10) is video_format_invalid', async () => {
    const path = await make('hevc10.mp4', [
      '-c:v',
      'libx265',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p10le',
      '-x265-params',
      'log-level=error',
      '-tag:v',
      'hvc1',
      '-c:a',
      'aac',
    ]);
    const error = await refusal(path);
    expect(error.code).toBe('video_format_invalid');
    expect(error.message).toContain('10-bit 4:2:0 HEVC');
    expect(error.details).toMatchObject({ pixelFormat: 'yuv420p10le', profile: 'Main 10' });
  });

  it('H.264 4:4:4 is video_format_invalid', async () => {
    const path = await make('h444.mp4', [
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv444p',
      '-c:a',
      'aac',
    ]);
    const error = await refusal(path);
    expect(error.code).toBe('video_format_invalid');
    expect(error.message).toContain('8-bit 4:4:4 H.264');
    expect(error.details).toMatchObject({ pixelFormat: 'yuv444p' });
  });

  it('8-bit 4:2:0 HEVC passes', async () => {
    const path = await make('hevc8.mp4', [
      '-c:v',
      'libx265',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-x265-params',
      'log-level=error',
      '-c:a',
      'aac',
    ]);
    expect((await checkVideoFile(path)).video).toMatchObject({
      codec: 'hevc',
      pixelFormat: 'yuv420p',
    });
  });
});
