import { mkdtemp, readdir, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeFormatVideo } from '@tiktok-fleet/testing/format-videos';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { planForFile, prepareVideo, runFfmpeg, VideoPrepareError } from '../src/index';

let dir: string;
let avi: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tf-prepare-'));
  avi = await makeFormatVideo(dir, 'avi');
}, 30_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const bounds = { timeoutMs: 60_000, maxOutputBytes: 1024 ** 3 };

describe('what the preparer would do, from the probe', () => {
  test('an AVI is transcoded, an MKV of H.264 only remuxed, an MP4 TikTok takes kept', async () => {
    expect((await planForFile(avi)).plan).toMatchObject({ kind: 'transcode', audio: 'aac' });
    const mkv = await makeFormatVideo(dir, 'mkv');
    expect((await planForFile(mkv)).plan).toMatchObject({ kind: 'remux', audio: 'aac' });
    const mp4 = await makeFormatVideo(dir, 'mp4');
    expect((await planForFile(mp4)).plan).toMatchObject({ kind: 'keep' });
  }, 30_000);

  test('never upscales, trims or pads: a 240p or a 2 s AVI is left for validation to refuse', async () => {
    const small = await makeFormatVideo(dir, 'avi', { size: '320x240', name: 'small' });
    expect((await planForFile(small)).plan).toEqual({
      kind: 'keep',
      why: 'preparing cannot help: video_resolution_too_low',
    });
    const short = await makeFormatVideo(dir, 'avi', { seconds: 2, name: 'short' });
    expect((await planForFile(short)).plan).toEqual({
      kind: 'keep',
      why: 'preparing cannot help: video_duration_too_short',
    });
  }, 30_000);
});

describe('the bounds of one transcode', () => {
  test('output over the size bound: video_prepare_failed (too_large), and no file left behind', async () => {
    const out = join(dir, 'too-large');
    const error = await prepareVideo(avi, {
      ...bounds,
      preparedDir: out,
      maxOutputBytes: 20_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VideoPrepareError);
    expect(error).toMatchObject({ code: 'video_prepare_failed', reason: 'too_large' });
    expect(await readdir(out)).toEqual([]);
  }, 30_000);

  test('over the time bound: ffmpeg is killed, video_prepare_failed (timeout), no file left', async () => {
    const out = join(dir, 'too-slow');
    const error = await prepareVideo(avi, { ...bounds, preparedDir: out, timeoutMs: 50 }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'video_prepare_failed', reason: 'timeout' });
    expect(await readdir(out)).toEqual([]);
  }, 30_000);

  test("a failing ffmpeg: the error carries ffmpeg's last error line", async () => {
    const error = await runFfmpeg({
      input: avi,
      output: join(dir, 'never.mp4'),
      inputOptions: [],
      outputOptions: ['-c:v', 'no_such_encoder', '-f', 'mp4'],
      durationSec: 3.5,
      ...bounds,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'video_prepare_failed', reason: 'ffmpeg_error' });
    expect((error as VideoPrepareError).details.ffmpeg).toMatch(
      /Unknown encoder 'no_such_encoder'/,
    );
    expect((error as Error).message).toContain("Unknown encoder 'no_such_encoder'");
  }, 30_000);

  test('progress comes from ffmpeg as a rising percentage', async () => {
    const seen: number[] = [];
    const outcome = await prepareVideo(avi, {
      ...bounds,
      preparedDir: join(dir, 'progress'),
      onProgress: (p) => seen.push(p),
    });
    expect(outcome.kind).toBe('prepared');
    expect(seen.length).toBeGreaterThan(0);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(Math.max(...seen)).toBeLessThanOrEqual(99);
  }, 30_000);

  test('a copy made before is reused, and touched so the media sweep keeps it for the new post', async () => {
    const preparedDir = join(dir, 'reuse');
    const first = await prepareVideo(avi, { ...bounds, preparedDir });
    expect(first).toMatchObject({ kind: 'prepared', reused: false });
    const path = first.kind === 'prepared' ? first.path : '';
    const longAgo = new Date(Date.now() - 30 * 24 * 3600_000);
    await utimes(path, longAgo, longAgo);
    const again = await prepareVideo(avi, { ...bounds, preparedDir });
    expect(again).toMatchObject({ kind: 'prepared', reused: true, path });
    // The sweep (apps/api, media-expiry.ts) only deletes a copy not modified lately.
    expect((await stat(path)).mtimeMs).toBeGreaterThan(Date.now() - 3600_000);
  }, 30_000);
});
