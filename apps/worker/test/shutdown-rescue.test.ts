import { join } from 'node:path';
import { waitUntil } from '@tiktok-fleet/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isFinal, largeVideo, sha256File, useFleet } from './support/fleet';
import { crashTestWorkers, slowChunk } from './support/worker-process';

// Worker processes stopped on purpose: SIGTERM within the grace period, and crashes that
// BullMQ alone would give up on (the reconciler's part).
const fleet = useFleet();
const { env } = fleet;
let accountId: string;
let path: string;
let fileHash: string;

const workers = crashTestWorkers(fleet.workerProcessEnv);
const startWorkerProcess = workers.start;
const slowSecondChunk = (ms: number) => slowChunk(fleet.fault, 1, ms);

const slowFirstChunk = (ms: number) => slowChunk(fleet.fault, 0, ms);

/** Resolves once the sandbox has received `count` more chunk PUTs than `before`. */
async function chunkPutsReach(before: number, count: number) {
  let puts = before;
  await waitUntil(
    async () => {
      puts = (await fleet.stats()).requests['/upload/video/'] ?? 0;
      return puts >= before + count;
    },
    {
      what: `${count} chunk PUTs`,
      timeoutMs: 20_000,
      describe: () => `only ${puts - before} arrived`,
    },
  );
}

beforeAll(async () => {
  ({
    account: { id: accountId },
  } = await fleet.connectAccount());
  const file = await largeVideo();
  path = await fleet.addMedia(file, 'shutdown/large.mp4');
  fileHash = await sha256File(join(env.mediaRoot, path));
});

afterAll(() => workers.killAll());

describe('a worker stopped on purpose, and one BullMQ gives up on', () => {
  test('stopped with SIGTERM within its grace: the chunk in flight finishes, no other starts, and the upload is finished elsewhere', async () => {
    const worker = startWorkerProcess({ SHUTDOWN_GRACE_MS: '15000' });
    await worker.ready;
    await slowFirstChunk(1_500);
    const putsBefore = (await fleet.stats()).requests['/upload/video/'] ?? 0;
    const post = await fleet.createPost({ accountId, video: { path } });
    // The first chunk is at TikTok's door when the signal comes.
    await chunkPutsReach(putsBefore, 1);
    worker.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(worker.output.join('\n')).not.toContain('cancelling the jobs still running');
    const left = await fleet.post(post.id);
    expect(left.status).toBe('uploading');
    // The chunk in flight arrived whole and was stored; the second was never sent.
    expect(Number(left.uploadedBytes)).toBe(5 * 1024 * 1024);
    expect((await fleet.stats()).requests['/upload/video/']).toBe(putsBefore + 1);
    const atTikTok = (await fleet.publishes()).find((p) => p.publishId === left.publishId);
    expect(atTikTok?.bytesReceived).toBe(5 * 1024 * 1024);
    const job = await env.queues.publish.getJob(post.id);
    expect(job?.attemptsMade).toBe(0);

    const next = startWorkerProcess();
    await next.ready;
    const done = await fleet.waitForPost(post.id, isFinal, 40_000);
    expect(done.status).toBe('published');
    expect(done.publishId).toBe(left.publishId);
    const published = (await fleet.publishes()).find((p) => p.publishId === done.publishId);
    expect(published?.sha256).toBe(fileHash);
    // One chunk was sent before the signal, one after: nothing was sent twice.
    expect((await fleet.stats()).requests['/upload/video/']).toBe(putsBefore + 2);
    next.kill('SIGKILL');
    await next.exited;
  }, 90_000);

  test('a job that BullMQ fails for losing its worker is put back by the reconciler at once, and the upload resumes: one publish', async () => {
    // No second chance from BullMQ: the first crash fails the job, so only the reconciler
    // can save the post.
    const noStalls = { WORKER_MAX_STALLED_COUNT: '0' };
    const doomed = startWorkerProcess(noStalls);
    await doomed.ready;
    await slowSecondChunk(4_000);
    const created = await fleet.createPost({ accountId, video: { path } });
    const midway = await fleet.waitForPost(created.id, (p) => p.uploadedBytes > 0n || isFinal(p));
    expect(midway.status).toBe('uploading');
    doomed.kill('SIGKILL');
    await doomed.exited;

    const rescuer = startWorkerProcess(noStalls);
    await rescuer.ready;
    const post = await fleet.waitForPost(created.id, isFinal, 60_000);
    expect(post.status).toBe('published');
    expect(post.publishId).toBe(midway.publishId);
    const details = JSON.stringify(post.events.map((e) => e.detail));
    expect(details).toContain('"code":"rescued"');
    expect(details).toContain('job stalled more than allowable limit');
    const publishes = (await fleet.publishes()).filter((p) => p.publishId === post.publishId);
    expect(publishes).toHaveLength(1);
    expect(publishes[0]?.sha256).toBe(fileHash);
    rescuer.kill('SIGKILL');
    await rescuer.exited;
  }, 90_000);
});
