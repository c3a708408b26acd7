import { chmod, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeVideo, VideoError, VideoProbeError, VideoValidationError } from '../src/index';
import { fixture } from './fixtures';

describe('probeVideo on valid fixtures (real ffprobe)', () => {
  it('reads a vertical H.264/AAC MP4', async () => {
    const probe = await probeVideo(fixture('valid-vertical.mp4'));
    expect(probe).toMatchObject({
      container: 'mp4',
      formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
      sizeBytes: 247_654,
      video: { codec: 'h264', width: 540, height: 960, rotation: 0, fps: 30 },
      audio: { codec: 'aac' },
    });
    expect(probe.durationSec).toBeCloseTo(5, 1);
    // ~400 kbit/s: the whole file's rate, audio included.
    expect(probe.bitRate).toBeGreaterThan(300_000);
    expect(probe.bitRate).toBeLessThan(500_000);
  });

  it('tells a QuickTime file from an MP4 by its brand, though ffprobe names both alike', async () => {
    const probe = await probeVideo(fixture('valid-horizontal.mov'));
    expect(probe).toMatchObject({
      container: 'mov',
      formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
      video: { codec: 'h264', width: 960, height: 540, fps: 30 },
      audio: { codec: 'aac' },
    });
    expect(probe.durationSec).toBeCloseTo(4, 1);
  });

  it('tells WebM from Matroska by the EBML DocType', async () => {
    const webm = await probeVideo(fixture('valid.webm'));
    expect(webm).toMatchObject({
      container: 'webm',
      formatName: 'matroska,webm',
      video: { codec: 'vp9', width: 540, height: 960, fps: 30 },
      audio: { codec: 'opus' },
    });
    expect(webm.durationSec).toBeCloseTo(4, 1);

    const mkv = await probeVideo(fixture('wrong-container.mkv'));
    expect(mkv.formatName).toBe('matroska,webm');
    expect(mkv.container).toBe('matroska');
  });

  it('reports the displayed size of a rotated phone video, and a fractional frame rate', async () => {
    const probe = await probeVideo(fixture('rotated-portrait.mp4'));
    expect(probe.video).toMatchObject({
      width: 540,
      height: 960,
      codedWidth: 960,
      codedHeight: 540,
      rotation: 90,
      fps: 29.97,
    });
  });

  it('does not take the cover art of an audio file for a video', async () => {
    const probe = await probeVideo(fixture('audio-with-cover.m4a'));
    expect(probe.container).toBe('m4a');
    expect(probe.video).toBeUndefined();
    expect(probe.audio?.codec).toBe('aac');
  });
});

/** What a person would see: one plain sentence, no stack, no ffprobe output, no paths. */
function expectCleanMessage(error: VideoError) {
  expect(error.message).toMatch(/^[A-Z].*\.$/);
  expect(error.message).not.toMatch(/\n|ffprobe exited|\bat \S+:\d+|\/work\/|fixtures|Error:/);
  expect(JSON.parse(JSON.stringify(error))).toEqual({
    code: error.code,
    message: error.message,
    details: error.details,
  });
}

async function probeError(path: string, options = {}): Promise<VideoError> {
  const error = await probeVideo(path, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VideoError);
  return error as VideoError;
}

describe('probeVideo on files it cannot use', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tf-media-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('says a truncated MP4 cannot be read, without ffprobe noise', async () => {
    const error = await probeError(fixture('corrupt.mp4'));
    expect(error).toBeInstanceOf(VideoValidationError);
    expect(error.code).toBe('video_unreadable');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/could not be read as a video/);
    expect(error.details).toEqual({ reason: 'Invalid data found when processing input' });
    expectCleanMessage(error);
  });

  it('says a web page named .mp4 cannot be read', async () => {
    const error = await probeError(fixture('not-a-video.mp4'));
    expect(error.code).toBe('video_unreadable');
    expectCleanMessage(error);
  });

  it('says an empty file is empty', async () => {
    const error = await probeError(fixture('empty.mp4'));
    expect(error).toBeInstanceOf(VideoValidationError);
    expect(error.code).toBe('video_empty');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/empty \(0 bytes\)/);
    expectCleanMessage(error);
  });

  it('says a missing file was not found, without naming the path', async () => {
    const error = await probeError(fixture('no-such-video.mp4'));
    expect(error.code).toBe('video_not_found');
    expect(error.retryable).toBe(false);
    expectCleanMessage(error);
  });

  it('refuses a folder', async () => {
    const error = await probeError(dir);
    expect(error.code).toBe('video_not_a_file');
    expectCleanMessage(error);
  });

  it('follows a symlink to a real video (a shared volume may link files in)', async () => {
    const link = join(dir, 'linked.mp4');
    await symlink(fixture('valid-vertical.mp4'), link);
    expect((await probeVideo(link)).video?.width).toBe(540);
  });

  it('probes a file whose name looks like an ffmpeg option or protocol', async () => {
    const odd = join(dir, '-i concat:x|y.mp4');
    await symlink(fixture('valid.webm'), odd);
    expect((await probeVideo(odd)).container).toBe('webm');
  });

  it('kills ffprobe at the timeout and says the check may be retried', async () => {
    // An ffprobe that hangs (a stuck network mount, say): a real ffprobe on a small file can
    // finish inside any timeout short enough for a test when the machine is busy, and a
    // process that exits 0 before its kill lands is not a timeout.
    const hung = join(dir, 'hung-ffprobe');
    await writeFile(hung, '#!/bin/sh\nexec sleep 30\n');
    await chmod(hung, 0o755);
    const error = await probeError(fixture('valid-vertical.mp4'), {
      ffprobePath: hung,
      timeoutMs: 200,
    });
    expect(error).toBeInstanceOf(VideoProbeError);
    expect(error.code).toBe('video_probe_timeout');
    expect(error.retryable).toBe(true);
    expect(error.details).toEqual({ timeoutMs: 200 });
    expectCleanMessage(error);
  });

  it('says so when ffprobe cannot be started', async () => {
    const error = await probeError(fixture('valid-vertical.mp4'), {
      ffprobePath: join(dir, 'no-ffprobe-here'),
    });
    expect(error).toBeInstanceOf(VideoProbeError);
    expect(error.code).toBe('video_probe_failed');
    expect(error.retryable).toBe(true);
    expectCleanMessage(error);
  });
});
