import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { probeVideo } from '@tiktok-fleet/media';
import { makeFormatVideo } from '@tiktok-fleet/testing/format-videos';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { isFinal, useFleet } from './support/fleet';
import { crashTestWorkers } from './support/worker-process';

// docs/architecture.md, Preparing a video: a worker killed mid-transcode leaves no half file
// that is used, and another worker prepares and publishes the post.
const fleet = useFleet({ sandbox: { storeVideos: true } });
const { env } = fleet;
const workers = crashTestWorkers(fleet.workerProcessEnv);
let accountId: string;
let path: string;

beforeAll(async () => {
  ({
    account: { id: accountId },
  } = await fleet.connectAccount());
  await mkdir(join(env.mediaRoot, 'clips'), { recursive: true });
  // Long enough at 720p that ffmpeg is still at work when the worker is killed.
  const file = await makeFormatVideo(join(env.mediaRoot, 'clips'), 'avi', {
    seconds: 6,
    size: '1280x720',
  });
  path = `clips/${file.split('/').at(-1)}`;
}, 60_000);

afterAll(() => workers.killAll());

test('a worker SIGKILLed mid-transcode: another worker prepares the post again and publishes it', async () => {
  const first = workers.start();
  await first.ready;
  const created = await fleet.createPost({ accountId, video: { path }, prepare: 'auto' });
  const midway = await fleet.waitForPost(
    created.id,
    (p) => (p.status === 'preparing' && (p.preparePercent ?? 0) > 0) || isFinal(p),
    60_000,
  );
  expect(midway.status).toBe('preparing');
  first.kill('SIGKILL');
  expect((await first.exited).signal).toBe('SIGKILL');
  // ffmpeg died with it: only its part file is there, never a file under the final name.
  const left = await readdir(join(env.mediaRoot, 'prepared'));
  expect(left.filter((n) => n.endsWith('.mp4'))).toEqual([]);

  const survivor = workers.start();
  await survivor.ready;
  const post = await fleet.waitForPost(created.id, isFinal, 90_000);
  expect(post.errorMessage).toBeNull();
  expect(post.status).toBe('published');
  expect(JSON.stringify(post.events.map((e) => e.detail))).toMatch(
    /an earlier run stopped at \d+ %/,
  );

  const res = await fetch(`${env.sandbox.url}/_sandbox/videos/${post.publishId}`);
  const received = join(env.mediaRoot, 'received.mp4');
  await writeFile(received, Buffer.from(await res.arrayBuffer()));
  const probe = await probeVideo(received);
  const source = await probeVideo(join(env.mediaRoot, path));
  expect(probe.video?.codec).toBe('h264');
  expect(Math.abs((probe.durationSec ?? 0) - (source.durationSec ?? 0))).toBeLessThanOrEqual(0.1);
}, 180_000);
