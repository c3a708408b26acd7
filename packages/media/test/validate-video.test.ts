import { describe, expect, it } from 'vitest';
import {
  assertValidVideo,
  checkVideoFile,
  contentTypeFor,
  probeVideo,
  TIKTOK_VIDEO_LIMITS,
  VideoValidationError,
  validateVideo,
} from '../src/index';
import { fixture, syntheticProbe } from './fixtures';

async function codesOf(name: string, maxDurationSec?: number) {
  const probe = await probeVideo(fixture(name));
  return validateVideo(probe, { maxDurationSec }).map((e) => e.code);
}

describe('fixtures that TikTok accepts', () => {
  it.each([
    ['valid-vertical.mp4', 'video/mp4'],
    ['valid-horizontal.mov', 'video/quicktime'],
    ['valid.webm', 'video/webm'],
    ['rotated-portrait.mp4', 'video/mp4'],
  ])('%s passes every rule and uploads as %s', async (name, contentType) => {
    const probe = await checkVideoFile(fixture(name), { maxDurationSec: 300 });
    expect(validateVideo(probe)).toEqual([]);
    expect(contentTypeFor(probe)).toBe(contentType);
  });

  it('a 12 s video passes for a creator who may post 5 minutes', async () => {
    expect(await codesOf('long-12s.mp4', 300)).toEqual([]);
  });
});

describe('each rule has a fixture that fails with its code', () => {
  it.each([
    [
      'too-short.mp4',
      'video_duration_too_short',
      /is 2\.0 s long; TikTok needs at least 3 s\. Use a longer clip\./,
    ],
    [
      'low-res-320x240.mp4',
      'video_resolution_too_low',
      /is 320x240 px; TikTok needs at least 360 px on the short side/,
    ],
    [
      'too-wide-4112x360.mp4',
      'video_resolution_too_high',
      /is 4112x360 px; TikTok accepts at most 4096 px/,
    ],
    ['low-fps-15.mp4', 'video_frame_rate_invalid', /runs at 15 fps; TikTok needs 23 to 60 fps/],
    ['high-fps-90.mp4', 'video_frame_rate_invalid', /runs at 90 fps; TikTok needs 23 to 60 fps/],
    [
      'unsupported-codec-mpeg4.mp4',
      'video_codec_unsupported',
      /encoded as MPEG-4 part 2 \(mpeg4\)/,
    ],
    [
      'wrong-container.avi',
      'video_format_invalid',
      /is an AVI file; TikTok accepts MP4, MOV or WebM/,
    ],
    ['wrong-container.mkv', 'video_format_invalid', /is a Matroska \(MKV\) file/],
    ['audio-only.m4a', 'video_stream_missing', /has no video track, only sound/],
    ['audio-with-cover.m4a', 'video_stream_missing', /has no video track/],
  ])('%s: %s', async (name, code, message) => {
    const probe = await probeVideo(fixture(name));
    const violations = validateVideo(probe);
    // Only the rule the fixture was made for, so each fixture tests one thing.
    expect(violations.map((v) => v.code)).toEqual([code]);
    const [violation] = violations;
    expect(violation).toBeInstanceOf(VideoValidationError);
    expect(violation?.retryable).toBe(false);
    expect(violation?.message).toMatch(message);
    expect(() => assertValidVideo(probe)).toThrow(violation);
    await expect(checkVideoFile(fixture(name))).rejects.toMatchObject({ code, retryable: false });
  });

  it('long-12s.mp4 is too long for a creator whose maximum is 10 s', async () => {
    const probe = await probeVideo(fixture('long-12s.mp4'));
    const [violation, ...rest] = validateVideo(probe, { maxDurationSec: 10 });
    expect(rest).toEqual([]);
    expect(violation?.code).toBe('video_duration_too_long');
    expect(violation?.message).toBe(
      'The video is 12.0 s long; this TikTok account can post videos of up to 10 s. Trim it to 10 s or less.',
    );
    expect(violation?.details).toMatchObject({ maxDurationSec: 10, limitSource: 'creator' });
    expect(violation?.details.durationSec).toBeCloseTo(12, 1);
  });

  it('gives the measured value and the limit in details', async () => {
    const [short] = validateVideo(await probeVideo(fixture('too-short.mp4')));
    expect(short?.details).toMatchObject({ minDurationSec: 3 });
    expect(short?.details.durationSec).toBeCloseTo(2, 1);

    const [lowRes] = validateVideo(await probeVideo(fixture('low-res-320x240.mp4')));
    expect(lowRes?.details).toEqual({ width: 320, height: 240, minShortSidePx: 360 });

    const [fps] = validateVideo(await probeVideo(fixture('low-fps-15.mp4')));
    expect(fps?.details).toEqual({ fps: 15, minFps: 23, maxFps: 60 });

    const [format] = validateVideo(await probeVideo(fixture('wrong-container.avi')));
    expect(format?.details).toMatchObject({ container: 'avi', allowed: ['mp4', 'mov', 'webm'] });
  });
});

describe('limits no fixture reaches (synthetic probe results)', () => {
  it('caps duration at 600 s even when the creator may post longer', () => {
    const probe = syntheticProbe({ durationSec: 700 });
    for (const maxDurationSec of [undefined, 600, 3600]) {
      const [violation] = validateVideo(probe, { maxDurationSec });
      expect(violation?.code).toBe('video_duration_too_long');
      expect(violation?.details).toEqual({
        durationSec: 700,
        maxDurationSec: 600,
        limitSource: 'tiktok',
      });
      expect(violation?.message).toBe(
        'The video is 11 min 40 s long; TikTok accepts videos of up to 10 min from apps. Trim it to 10 min or less.',
      );
    }
    expect(validateVideo(syntheticProbe({ durationSec: 600 }))).toEqual([]);
  });

  it('never rounds a duration onto the limit in the message', () => {
    expect(validateVideo(syntheticProbe({ durationSec: 600.04 }))[0]?.message).toMatch(
      /^The video is 10 min 0\.04 s long; TikTok accepts videos of up to 10 min/,
    );
    expect(validateVideo(syntheticProbe({ durationSec: 2.97 }))[0]?.message).toMatch(
      /^The video is 2\.97 s long; TikTok needs at least 3 s/,
    );
  });

  it('caps size at 4 GiB (4 * 1024^3 bytes)', () => {
    const limit = 4 * 1024 ** 3;
    expect(TIKTOK_VIDEO_LIMITS.maxSizeBytes).toBe(limit);
    expect(validateVideo(syntheticProbe({ sizeBytes: limit }))).toEqual([]);
    const [violation] = validateVideo(syntheticProbe({ sizeBytes: limit + 1 }));
    expect(violation?.code).toBe('video_size_too_large');
    expect(violation?.details).toEqual({ sizeBytes: limit + 1, maxSizeBytes: limit });
    expect(violation?.message).toMatch(/TikTok accepts at most 4\.00 GB \(4,294,967,296 bytes\)/);
  });

  it('accepts the edges of the frame-rate and size rules', () => {
    const video = syntheticProbe().video;
    if (!video) throw new Error('synthetic probe has a video');
    for (const fps of [23, 23.976, 59.94, 60]) {
      expect(validateVideo(syntheticProbe({ video: { ...video, fps } }))).toEqual([]);
    }
    for (const [width, height] of [
      [360, 640],
      [4096, 2160],
      [2160, 4096],
    ] as const) {
      expect(validateVideo(syntheticProbe({ video: { ...video, width, height } }))).toEqual([]);
    }
  });

  it('refuses a frame rate or duration it cannot measure', () => {
    const video = syntheticProbe().video;
    if (!video) throw new Error('synthetic probe has a video');
    expect(
      validateVideo(syntheticProbe({ video: { ...video, fps: undefined } })).map((v) => v.code),
    ).toEqual(['video_frame_rate_invalid']);
    expect(validateVideo(syntheticProbe({ durationSec: undefined })).map((v) => v.code)).toEqual([
      'video_duration_unknown',
    ]);
  });

  it('rejects a nonsensical creator maximum as a programming error', () => {
    expect(() => validateVideo(syntheticProbe(), { maxDurationSec: 0 })).toThrow(RangeError);
    expect(() => validateVideo(syntheticProbe(), { maxDurationSec: Number.NaN })).toThrow(
      RangeError,
    );
  });
});

describe('several violations at once', () => {
  const probe = syntheticProbe({
    container: 'avi',
    formatName: 'avi',
    formatLongName: 'AVI (Audio Video Interleaved)',
    durationSec: 2,
    video: {
      codec: 'mpeg4',
      codecLongName: 'MPEG-4 part 2',
      width: 320,
      height: 240,
      codedWidth: 320,
      codedHeight: 240,
      rotation: 0,
      fps: 15,
      bitRate: 500_000,
    },
  });

  it('lists all of them, the most fundamental first', () => {
    expect(validateVideo(probe).map((v) => v.code)).toEqual([
      'video_format_invalid',
      'video_codec_unsupported',
      'video_duration_too_short',
      'video_resolution_too_low',
      'video_frame_rate_invalid',
    ]);
  });

  it('assertValidVideo throws one error with the first code and every problem in its message', () => {
    let thrown: unknown;
    try {
      assertValidVideo(probe);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(VideoValidationError);
    const error = thrown as VideoValidationError;
    expect(error.code).toBe('video_format_invalid');
    expect(error.retryable).toBe(false);
    expect(error.violations.map((v) => v.code)).toHaveLength(5);
    for (const violation of error.violations) expect(error.message).toContain(violation.message);
    expect(error.details.violations).toHaveLength(5);
    expect(JSON.parse(JSON.stringify(error)).details.violations[2]).toMatchObject({
      code: 'video_duration_too_short',
      details: { durationSec: 2, minDurationSec: 3 },
    });
  });
});

describe('contentTypeFor', () => {
  it('refuses a container TikTok does not take', async () => {
    const probe = await probeVideo(fixture('wrong-container.mkv'));
    expect(() => contentTypeFor(probe)).toThrow(
      expect.objectContaining({ code: 'video_format_invalid' }),
    );
  });
});
