import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { probeVideo, type VideoProbe } from '@tiktok-fleet/media';
import { type FormatVideo, makeFormatVideo } from '@tiktok-fleet/testing/format-videos';
import { beforeAll, describe, expect, test } from 'vitest';
import { workerContext } from '../src/index';
import { reconcilePost } from '../src/reconcile/reconcile-post';
import { isFinal, OWNER, sha256File, useFleet } from './support/fleet';

// The media preparer end to end (docs/architecture.md, Preparing a video): real ffmpeg, real
// workers, the sandbox keeping the bytes it received.
const fleet = useFleet({ sandbox: { storeVideos: true } });
const { env } = fleet;
let accountId: string;
const paths = {} as Record<FormatVideo, string>;
const sources = {} as Record<FormatVideo, VideoProbe>;

/** The six kinds TikTok refuses and ffmpeg can fix. */
const PREPARABLE: FormatVideo[] = ['avi', 'flv', 'mpeg-ps', 'mkv', 'hevc-10bit', 'fps-120'];

beforeAll(async () => {
  ({
    account: { id: accountId },
  } = await fleet.connectAccount());
  const dir = join(env.mediaRoot, 'clips');
  await mkdir(dir, { recursive: true });
  for (const kind of [...PREPARABLE, 'mp4'] as const) {
    const path = await makeFormatVideo(dir, kind);
    paths[kind] = `clips/${path.split('/').at(-1)}`;
    sources[kind] = await probeVideo(path);
  }
  await env.start({
    dailyPostCap: 50,
    prepare: {
      defaultMode: 'never',
      concurrency: 2,
      timeoutMs: 60_000,
      maxOutputBytes: 1024 ** 3,
      ffmpegPath: 'ffmpeg',
    },
  });
}, 60_000);

/** The bytes the sandbox received for a publish, probed. */
async function received(publishId: string): Promise<{ probe: VideoProbe; sha256: string }> {
  const res = await fetch(`${env.sandbox.url}/_sandbox/videos/${publishId}`);
  expect(res.status).toBe(200);
  const path = join(env.mediaRoot, `received-${publishId}.mp4`);
  await writeFile(path, Buffer.from(await res.arrayBuffer()));
  return { probe: await probeVideo(path), sha256: await sha256File(path) };
}

const statusesOf = (post: { events: { status: string }[] }) => post.events.map((e) => e.status);

describe('prepare: "auto"', () => {
  test.each(PREPARABLE)(
    '%s: prepared, published, and what TikTok got is H.264/AAC MP4 of the same length, size and rotation',
    async (kind) => {
      const created = await fleet.createPost({
        accountId,
        video: { path: paths[kind] },
        prepare: 'auto',
      });
      const post = await fleet.waitForPost(created.id, isFinal, 60_000);
      expect(post.errorMessage).toBeNull();
      expect(post.status).toBe('published');
      expect(statusesOf(post)).toEqual(
        expect.arrayContaining([
          'queued',
          'preparing',
          'validating',
          'uploading',
          'processing',
          'published',
        ]),
      );
      expect(post.preparePercent).toBe(100);
      expect(post.preparedVideo).toMatch(/^prepared\/[0-9a-f]{64}\.mp4$/);

      const source = sources[kind];
      const { probe } = await received(post.publishId as string);
      expect(probe.container).toBe('mp4');
      expect(probe.video?.codec).toBe('h264');
      expect(probe.audio?.codec).toBe('aac');
      expect(Math.abs((probe.durationSec ?? 0) - (source.durationSec ?? 0))).toBeLessThanOrEqual(
        0.1,
      );
      expect([probe.video?.width, probe.video?.height]).toEqual([
        source.video?.width,
        source.video?.height,
      ]);
      expect(probe.video?.rotation).toBe(source.video?.rotation);
      expect(probe.video?.fps).toBeGreaterThanOrEqual(23);
      expect(probe.video?.fps).toBeLessThanOrEqual(60);
    },
    90_000,
  );

  test('the fixtures are what they say: the 120 fps clip is turned a quarter, the HEVC one 10-bit', () => {
    expect(sources['fps-120'].video?.rotation).toBe(90);
    expect(sources['fps-120'].video?.fps).toBe(120);
    expect(sources['hevc-10bit'].video?.codec).toBe('hevc');
  });

  test('a file TikTok already takes is not touched: the sandbox gets the very same bytes', async () => {
    const created = await fleet.createPost({
      accountId,
      video: { path: paths.mp4 },
      prepare: 'auto',
    });
    const post = await fleet.waitForPost(created.id, isFinal, 30_000);
    expect(post.status).toBe('published');
    expect(statusesOf(post)).not.toContain('preparing');
    expect(post.preparedVideo).toBeNull();
    const { sha256 } = await received(post.publishId as string);
    expect(sha256).toBe(await sha256File(join(env.mediaRoot, paths.mp4)));
  }, 60_000);

  test('the same file is prepared once: a second post of it uploads the stored copy', async () => {
    const first = await fleet.waitForPost(
      (await fleet.createPost({ accountId, video: { path: paths.avi }, prepare: 'auto' })).id,
      isFinal,
      60_000,
    );
    expect(first.status).toBe('published');
    const details = first.events.map((e) => e.detail as { reused?: boolean } | null);
    expect(details.some((d) => d?.reused === true)).toBe(true);
    const sha = (first.preparedVideo ?? '').slice('prepared/'.length, -'.mp4'.length);
    const stored = (await readdir(join(env.mediaRoot, 'prepared'))).filter((n) =>
      n.startsWith(sha),
    );
    expect(stored).toEqual([`${sha}.mp4`]);
  }, 60_000);
});

describe('canceled while preparing', () => {
  test('ffmpeg is stopped: no prepared file is kept and the post stays canceled', async () => {
    // Big enough that ffmpeg is still at work when the cancel comes.
    const file = await makeFormatVideo(join(env.mediaRoot, 'clips'), 'avi', {
      seconds: 6,
      size: '1280x720',
      name: 'cancel',
    });
    const created = await fleet.createPost({
      accountId,
      video: { path: `clips/${file.split('/').at(-1)}` },
      prepare: 'auto',
    });
    const midway = await fleet.waitForPost(
      created.id,
      (p) => (p.status === 'preparing' && (p.preparePercent ?? 0) > 0) || isFinal(p),
      60_000,
    );
    expect(midway.status).toBe('preparing');
    // What POST /v1/posts/:id/cancel does for a preparing post.
    await env.deps().posts.transition(created.id, 'canceled', { from: ['preparing'] });
    expect(await fleet.jobFinished('prepare', `prepare-${created.id}`, 60_000)).toBe('completed');
    const job = await env.queues.prepare.getJob(`prepare-${created.id}`);
    expect(job?.returnvalue).toEqual({ status: 'canceled' });
    const sha = await sha256File(file);
    const left = (await readdir(join(env.mediaRoot, 'prepared'))).filter((n) => n.startsWith(sha));
    expect(left).toEqual([]);
    expect((await fleet.post(created.id)).status).toBe('canceled');
  }, 90_000);
});

describe('the reconciler and the preparing status', () => {
  test('a preparing post whose prepare job Redis lost gets it back, and is published', async () => {
    const { posts } = env.deps();
    const { post } = await posts.create({
      ownerId: OWNER,
      accountId,
      videoSourceKind: 'path',
      videoSource: paths.flv,
      privacyLevel: 'PUBLIC_TO_EVERYONE',
      mode: 'direct',
      prepare: 'auto',
    });
    await posts.transition(post.id, 'preparing');
    expect(await env.queues.prepare.getJobState(`prepare-${post.id}`)).toBe('unknown');

    const outcome = await reconcilePost(workerContext(env.deps()), post.id);
    expect(outcome).toMatchObject({ action: 'requeued', status: 'preparing', jobState: 'missing' });
    const done = await fleet.waitForPost(post.id, isFinal, 60_000);
    expect(done.status).toBe('published');
    expect(done.preparedVideo).toMatch(/^prepared\//);
    expect(JSON.stringify(done.events.map((e) => e.detail))).toContain(
      "The post's prepare job was missing",
    );
  }, 90_000);
});

describe('prepare left out (the fleet default is "never")', () => {
  test.each([
    ['avi', 'video_format_invalid'],
    ['flv', 'video_format_invalid'],
    ['mpeg-ps', 'video_format_invalid'],
    ['mkv', 'video_format_invalid'],
    ['hevc-10bit', 'video_format_invalid'],
    ['fps-120', 'video_frame_rate_invalid'],
  ] as const)(
    '%s fails with %s, nothing converted or uploaded',
    async (kind, code) => {
      const created = await fleet.createPost({ accountId, video: { path: paths[kind] } });
      const post = await fleet.waitForPost(created.id, isFinal, 30_000);
      expect(post.status).toBe('failed');
      expect(post.errorCode).toBe(code);
      expect(statusesOf(post)).not.toContain('preparing');
      expect(post.publishId).toBeNull();
    },
    60_000,
  );
});
