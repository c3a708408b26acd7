/**
 * The bad-input corpus (issue 11, "Done when"): every bad video, bad download and bad request
 * the fleet knows, against a whole fleet (the API on a port, a worker process's workers, the
 * TikTok sandbox, PostgreSQL, Redis, ffprobe). Each case must end with its stable code and no
 * retry spent. Request cases come from fixtures/bad-input/cases/*.json (the format is in that
 * folder's README); video cases are below, made with ffmpeg for the run or taken from
 * fixtures/videos. Prints one table: case, expected code, got code, attempts, time to fail.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createPostRepository, type PostWithEvents } from '@tiktok-fleet/db';
import { waitUntil } from '@tiktok-fleet/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fixture, root } from './support/fixtures';
import { FULL_FLEET_OWNER, type FullFleet, startFullFleet } from './support/full-fleet';

const run = promisify(execFile);

interface Row {
  name: string;
  expected: string;
  got: string;
  attempts: number | string;
  /** From the request to the post's failure (queueing included). */
  ms: number;
  /** From the worker taking the post (`validating`) to its failure; none for a request. */
  processingMs?: number;
}
const rows: Row[] = [];

// ---- video cases ---------------------------------------------------------------------------

type VideoSource = { path: string } | { url: string };
interface VideoCase {
  name: string;
  code: string;
  /** Where the post's video comes from, given the fleet and the download server's address. */
  source: (ctx: { media: string; downloads: string }) => VideoSource;
  /** Fields of the request beside accountId and video. */
  extra?: Record<string, unknown>;
  /** Settings of the creator to connect for this case (a new one by default). */
  creator?: Record<string, unknown>;
}

const MEDIA_DIR = 'corpus';
const inMedia = (name: string) => () => ({ path: `${MEDIA_DIR}/${name}` });
const download = (path: string) => (c: { downloads: string }) => ({ url: `${c.downloads}${path}` });

/** ffmpeg arguments of the small videos made for the run: 360x640, 30 fps, with a tone. */
const pattern = (seconds: number) => [
  '-f',
  'lavfi',
  '-i',
  'testsrc2=size=360x640:rate=30',
  '-f',
  'lavfi',
  '-i',
  'sine=frequency=440',
  '-t',
  String(seconds),
];
const h264 = (pix = 'yuv420p') => [
  '-c:v',
  'libx264',
  '-preset',
  'ultrafast',
  '-pix_fmt',
  pix,
  '-c:a',
  'aac',
];
const hevc = (pix: string) => [
  '-c:v',
  'libx265',
  '-preset',
  'ultrafast',
  '-pix_fmt',
  pix,
  '-x265-params',
  'log-level=error',
  '-tag:v',
  'hvc1',
  '-c:a',
  'aac',
];
const vp9 = ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus'];

/** Videos made with ffmpeg for this run; `cut` keeps that share of the file's first bytes. */
const MADE: Record<string, { args: string[]; cut?: number }> = {
  'valid.mp4': { args: [...pattern(4), ...h264(), '-movflags', '+faststart'] },
  'truncated-half.mp4': { args: [...pattern(4), ...h264(), '-movflags', '+faststart'], cut: 0.5 },
  'truncated-tail.mp4': { args: [...pattern(4), ...h264(), '-movflags', '+faststart'], cut: 0.9 },
  'truncated-half.webm': { args: [...pattern(4), ...vp9], cut: 0.5 },
  'truncated-half.mov': {
    args: [...pattern(4), ...h264(), '-movflags', '+faststart', '-f', 'mov'],
    cut: 0.5,
  },
  'hevc-10bit.mp4': { args: [...pattern(4), ...hevc('yuv420p10le')] },
  'h264-444.mp4': { args: [...pattern(4), ...h264('yuv444p')] },
  'h264-422.mp4': { args: [...pattern(4), ...h264('yuv422p')] },
  'too-short-1s.mp4': { args: [...pattern(1), ...h264()] },
};

const FIXTURES: Array<[string, string]> = [
  ['too-short.mp4', 'video_duration_too_short'],
  ['low-res-320x240.mp4', 'video_resolution_too_low'],
  ['too-wide-4112x360.mp4', 'video_resolution_too_high'],
  ['low-fps-15.mp4', 'video_frame_rate_invalid'],
  ['high-fps-90.mp4', 'video_frame_rate_invalid'],
  ['unsupported-codec-mpeg4.mp4', 'video_codec_unsupported'],
  ['wrong-container.avi', 'video_format_invalid'],
  ['wrong-container.mkv', 'video_format_invalid'],
  ['audio-only.m4a', 'video_stream_missing'],
  ['audio-with-cover.m4a', 'video_stream_missing'],
  ['corrupt.mp4', 'video_unreadable'],
  ['not-a-video.mp4', 'video_unreadable'],
  ['empty.mp4', 'video_empty'],
];

const VIDEO_CASES: VideoCase[] = [
  ...FIXTURES.map(([file, code]) => ({ name: `fixture ${file}`, code, source: inMedia(file) })),
  {
    name: 'faststart MP4 cut in half',
    code: 'video_unreadable',
    source: inMedia('truncated-half.mp4'),
  },
  {
    name: 'faststart MP4 missing its last 10%',
    code: 'video_unreadable',
    source: inMedia('truncated-tail.mp4'),
  },
  { name: 'WebM cut in half', code: 'video_unreadable', source: inMedia('truncated-half.webm') },
  { name: 'MOV cut in half', code: 'video_unreadable', source: inMedia('truncated-half.mov') },
  {
    name: '10-bit HEVC (Main 10)',
    code: 'video_format_invalid',
    source: inMedia('hevc-10bit.mp4'),
  },
  { name: 'H.264 4:4:4', code: 'video_format_invalid', source: inMedia('h264-444.mp4') },
  { name: 'H.264 4:2:2', code: 'video_format_invalid', source: inMedia('h264-422.mp4') },
  { name: 'a 1 s video', code: 'video_duration_too_short', source: inMedia('too-short-1s.mp4') },
  {
    name: 'cover timestamp past the end (60 s of a 4 s video)',
    code: 'cover_timestamp_out_of_range',
    source: inMedia('valid.mp4'),
    extra: { coverTimestampMs: 60_000 },
  },
  {
    name: '12 s video for a creator whose maximum is 10 s',
    code: 'video_duration_too_long',
    source: () => ({ path: `${MEDIA_DIR}/long-12s.mp4` }),
    creator: { maxVideoPostDurationSec: 10 },
  },
  {
    name: 'privacy level the private creator cannot use',
    code: 'privacy_level_option_mismatch',
    source: inMedia('valid.mp4'),
    extra: { privacyLevel: 'PUBLIC_TO_EVERYONE' },
    creator: { privateAccount: true },
  },
  {
    name: 'path to a file that is not there',
    code: 'video_not_found',
    source: inMedia('gone.mp4'),
  },
  {
    name: 'download redirected to file:',
    code: 'video_download_failed',
    source: download('/to-file'),
  },
  {
    name: 'download redirected to gopher:',
    code: 'video_download_failed',
    source: download('/to-gopher'),
  },
  {
    name: 'download with more than 5 redirects',
    code: 'video_download_failed',
    source: download('/loop/0'),
  },
  {
    name: 'download from a host that does not exist',
    code: 'video_download_failed',
    source: () => ({ url: 'http://video-host.invalid/clip.mp4' }),
  },
  {
    name: 'download answering 404',
    code: 'video_download_failed',
    source: download('/missing.mp4'),
  },
  {
    name: 'download larger than URL_SOURCE_MAX_BYTES',
    code: 'video_download_too_large',
    source: download('/huge.mp4'),
  },
  {
    name: 'download of a truncated MP4',
    code: 'video_unreadable',
    source: download('/truncated.mp4'),
  },
];

// ---- request cases -------------------------------------------------------------------------

interface RequestCase {
  name: string;
  request: {
    method: string;
    path: string;
    headers?: Record<string, string>;
    body?: unknown;
    rawBody?: string;
  };
  /** `fields`: the `details[].field` the answer must name (a field-level error). */
  expect: { status: number; code: string; fields?: string[] };
}

async function loadRequestCases(): Promise<Array<RequestCase & { file: string }>> {
  const dir = join(root, 'fixtures', 'bad-input', 'cases');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  const cases: Array<RequestCase & { file: string }> = [];
  for (const file of files) {
    const list = JSON.parse(await readFile(join(dir, file), 'utf8')) as RequestCase[];
    for (const c of list) cases.push({ ...c, file });
  }
  return cases;
}

/** Puts {{accountId}}, {{videoPath}} and {{ownerId}} into every string of a case. */
function substitute<T>(value: T, vars: Record<string, string>): T {
  if (typeof value === 'string') {
    return value.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => vars[name] ?? whole) as T;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)])) as T;
  }
  return value;
}

/** Runs at most `n` of the given tasks at a time. */
function limit(n: number) {
  let running = 0;
  const queue: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= n) await new Promise<void>((resolve) => queue.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      queue.shift()?.();
    }
  };
}

// ---- the fleet -----------------------------------------------------------------------------

let fleet: FullFleet;
let downloads: Server;
let downloadsUrl: string;
let sharedAccountId: string;
const requestCases = await loadRequestCases();

/** A local server for the download cases (URL_SOURCE_ALLOW_PRIVATE lets the worker reach it). */
async function startDownloads(truncated: Buffer): Promise<void> {
  downloads = createServer((req, res) => {
    const url = req.url ?? '/';
    const loop = /^\/loop\/(\d+)$/.exec(url);
    if (url === '/to-file') return res.writeHead(302, { location: 'file:///etc/passwd' }).end();
    if (url === '/to-gopher')
      return res.writeHead(302, { location: 'gopher://127.0.0.1:70/1' }).end();
    if (loop) return res.writeHead(302, { location: `/loop/${Number(loop[1]) + 1}` }).end();
    if (url === '/huge.mp4') {
      // Its size is announced, then nothing more comes: the worker must refuse on the header.
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(8 * 1024 ** 3) });
      res.flushHeaders();
      req.on('close', () => res.destroy());
      return;
    }
    if (url === '/truncated.mp4') {
      return res.writeHead(200, { 'content-type': 'video/mp4' }).end(truncated);
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
  });
  await new Promise<void>((resolve) => downloads.listen(0, '127.0.0.1', resolve));
  downloadsUrl = `http://127.0.0.1:${(downloads.address() as AddressInfo).port}`;
}

async function makeVideos(media: string): Promise<void> {
  const dir = join(media, MEDIA_DIR);
  await mkdir(dir, { recursive: true });
  await Promise.all([
    ...Object.entries(MADE).map(async ([name, { args, cut }]) => {
      const whole = join(dir, cut ? `whole-${name}` : name);
      await run('ffmpeg', ['-v', 'error', '-y', ...args, whole]);
      if (cut) {
        const bytes = await readFile(whole);
        await writeFile(join(dir, name), bytes.subarray(0, Math.floor(bytes.length * cut)));
      }
    }),
    ...[...FIXTURES.map(([f]) => f), 'long-12s.mp4'].map((f) => copyFile(fixture(f), join(dir, f))),
  ]);
}

beforeAll(async () => {
  // The workers download from this test's own server on 127.0.0.1; the API still refuses
  // callbacks to internal addresses, as it does in production.
  fleet = await startFullFleet(
    {
      URL_SOURCE_ALLOW_PRIVATE: 'true',
      WORKER_CONCURRENCY: '8',
      CONNECT_RATE_LIMIT_PER_MINUTE: '1000',
    },
    { URL_SOURCE_ALLOW_PRIVATE: 'false' },
  );
  await makeVideos(fleet.mediaRoot);
  await startDownloads(await readFile(join(fleet.mediaRoot, MEDIA_DIR, 'truncated-half.mp4')));
  sharedAccountId = await fleet.connect();
}, 120_000);

afterAll(async () => {
  downloads?.close();
  await fleet?.close();
  const width = Math.max(...rows.map((r) => r.name.length), 4);
  const line = (cells: string[]) =>
    `${cells[0]?.padEnd(width)}  ${cells[1]?.padEnd(30)}  ${cells[2]?.padEnd(30)}  ${cells[3]?.padStart(8)}  ${cells[4]?.padStart(11)}  ${cells[5]?.padStart(13)}`;
  const table = [
    line(['case', 'expected', 'got', 'attempts', 'time to fail', 'of it worker']),
    ...rows.map((r) =>
      line([
        r.name,
        r.expected,
        r.got,
        String(r.attempts),
        `${r.ms} ms`,
        r.processingMs === undefined ? '-' : `${r.processingMs} ms`,
      ]),
    ),
    `${rows.length} cases; slowest: ${Math.max(...rows.map((r) => r.ms))} ms from request to ` +
      `failure, ${Math.max(...rows.map((r) => r.processingMs ?? 0))} ms in the worker`,
  ];
  console.log(table.join('\n'));
}, 60_000);

describe('the bad-input corpus: every case ends with its stable code, no retry spent', () => {
  test('there are at least 40 cases', () => {
    expect(VIDEO_CASES.length + requestCases.length).toBeGreaterThanOrEqual(40);
  });

  test('video cases: the post fails with its code after one attempt, nothing sent to TikTok', async () => {
    // Each case on an account of its own, so none waits for another's upload lease.
    const accounts: string[] = [];
    for (const c of VIDEO_CASES.filter((v) => v.creator))
      accounts.push(await fleet.connect(c.creator));
    const connectGate = limit(4);
    const plain = await Promise.all(
      VIDEO_CASES.filter((v) => !v.creator).map(() => connectGate(() => fleet.connect())),
    );
    const accountOf = new Map<VideoCase, string>();
    let named = 0;
    let next = 0;
    for (const c of VIDEO_CASES)
      accountOf.set(c, (c.creator ? accounts[named++] : plain[next++]) as string);

    const posts = createPostRepository(fleet.db);
    // A few requests at a time: 30 at once outwait the API's 4-connection pool, which the API
    // answers with a 500 (a finding of its own, not this corpus's subject).
    const gate = limit(4);
    const results = await Promise.all(
      VIDEO_CASES.map(async (c) => {
        const started = Date.now();
        const created = await gate(() =>
          fleet.call('POST', '/v1/posts', {
            json: {
              accountId: accountOf.get(c),
              video: c.source({ media: fleet.mediaRoot, downloads: downloadsUrl }),
              privacyLevel: 'SELF_ONLY',
              ...c.extra,
            },
          }),
        );
        expect(created.status, `${c.name}: ${created.text}`).toBe(202);
        const id = (created.body as unknown as { id: string }).id;
        let last: PostWithEvents | null = null;
        const post = await waitUntil(
          async () => {
            last = await posts.get(id);
            return last && ['published', 'failed', 'canceled'].includes(last.status)
              ? last
              : undefined;
          },
          {
            what: c.name,
            timeoutMs: 20_000,
            intervalMs: 25,
            describe: () => JSON.stringify(last?.events.map((e) => e.detail)),
          },
        );
        const at = (status: string) => post.events.find((e) => e.status === status)?.at.getTime();
        const failedAt = at('failed') ?? Date.now();
        // BullMQ counts the attempt once the processor has thrown: wait for the job to settle.
        const state = await waitUntil(
          async () => {
            const now = await fleet.queues.publish.getJobState(id);
            return now === 'failed' || now === 'completed' ? now : undefined;
          },
          { what: `${c.name}: the publish job to settle`, timeoutMs: 10_000, intervalMs: 25 },
        );
        const job = await fleet.queues.publish.getJob(id);
        rows.push({
          name: c.name,
          expected: c.code,
          got: post.errorCode ?? post.status,
          attempts: job?.attemptsMade ?? 'none',
          ms: failedAt - started,
          processingMs: failedAt - (at('validating') ?? started),
        });
        return { c, post, job, state };
      }),
    );
    for (const { c, post, job, state } of results) {
      expect({ case: c.name, code: post.errorCode }).toEqual({ case: c.name, code: c.code });
      expect(post.publishId, c.name).toBeNull();
      // One attempt of the several the queue allows: failed at once, no retry burned.
      expect(job?.attemptsMade, c.name).toBe(1);
      expect(state, c.name).toBe('failed');
      expect(post.errorMessage?.length, c.name).toBeGreaterThan(20);
    }
    // None of it reached TikTok: not one init.
    expect(await fleet.sandboxControl('GET', '/publishes')).toEqual([]);
  }, 90_000);

  test.each(requestCases.map((c) => [`${c.file}: ${c.name}`, c] as const))(
    '%s',
    async (_label, c) => {
      const vars = {
        accountId: sharedAccountId,
        videoPath: `${MEDIA_DIR}/valid.mp4`,
        ownerId: FULL_FLEET_OWNER,
      };
      const { method, path, headers, body, rawBody } = substitute(c.request, vars);
      const started = Date.now();
      const answer = await fleet.call(method, path, { headers, json: body, rawBody });
      const got = answer.body?.error?.code ?? `HTTP ${answer.status}`;
      rows.push({
        name: c.name,
        expected: c.expect.code,
        got,
        attempts: 'no job',
        ms: Date.now() - started,
      });
      expect(answer.status, answer.text).not.toBe(500);
      expect({ status: answer.status, code: got }).toEqual({
        status: c.expect.status,
        code: c.expect.code,
      });
      if (c.expect.fields) {
        const error = answer.body?.error as { details?: Array<{ field: string }> } | undefined;
        const named = (error?.details ?? []).map((d) => d.field);
        expect(named, c.name).toEqual(c.expect.fields);
      }
    },
  );
});
