import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isFinal, largeVideo, sha256File, useFleet } from './support/fleet';
import { crashTestWorkers, slowChunk, type WorkerProcess } from './support/worker-process';

const fleet = useFleet();
const { env } = fleet;
let accountId: string;
let openId: string;
let path: string;
let fileHash: string;
/** The worker that took over in the first test; the second test stops it. */
let survivor: WorkerProcess;

const workers = crashTestWorkers(fleet.workerProcessEnv);
const startWorkerProcess = workers.start;
const slowSecondChunk = (ms: number) => slowChunk(fleet.fault, 1, ms);

beforeAll(async () => {
  ({
    account: { id: accountId },
    openId,
  } = await fleet.connectAccount());
  const file = await largeVideo();
  path = await fleet.addMedia(file, 'crash/large.mp4');
  fileHash = await sha256File(join(env.mediaRoot, path));
});

afterAll(() => workers.killAll());

describe('a worker that dies or is stopped mid-upload', () => {
  test('killed with SIGKILL mid-upload: another worker process resumes the same upload, one publish at TikTok', async () => {
    const first = startWorkerProcess();
    await first.ready;
    // Long enough that the survivor below has resumed before the sandbox reads the killed
    // worker's second chunk: its body may already sit whole in the socket's buffers (the
    // sandbox's latency holds the request before reading it), and read then, TikTok would
    // hold the whole video and there would be nothing left to resume.
    await slowSecondChunk(20_000);
    const created = await fleet.createPost({ accountId, video: { path } });

    // The first chunk is confirmed and stored; the second is on its way.
    const midway = await fleet.waitForPost(created.id, (p) => p.uploadedBytes > 0n || isFinal(p));
    expect(midway.status).toBe('uploading');
    first.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect(midway.publishId).not.toBeNull();
    expect(midway.uploadUrl).not.toBeNull();
    expect(Number(midway.uploadedBytes)).toBe(5 * 1024 * 1024);

    survivor = startWorkerProcess({ SHUTDOWN_GRACE_MS: '300' });
    const port = await survivor.ready;
    const post = await fleet.waitForPost(created.id, isFinal, 40_000);
    expect(post.status).toBe('published');
    expect(post.publishId).toBe(midway.publishId);
    expect(post.tiktokPostId).toMatch(/^\d{19}$/);
    expect(JSON.stringify(post.events.map((e) => e.detail))).toContain(
      'Resuming the upload at byte 5242880',
    );

    const publishes = (await fleet.publishes()).filter((p) => p.openId === openId);
    expect(publishes).toHaveLength(1);
    expect(publishes[0]?.sha256).toBe(fileHash);
    expect(publishes[0]?.postIds).toEqual([post.tiktokPostId]);
    expect((await fleet.stats()).maxConcurrentUploadsByCreator[openId]).toBe(1);

    for (const probe of ['/healthz', '/readyz']) {
      expect((await fetch(`http://127.0.0.1:${port}${probe}`)).status).toBe(200);
    }
  }, 90_000);

  test('stopped with SIGTERM mid-upload: the upload is left resumable, no attempt spent, and finished elsewhere', async () => {
    const second = survivor;
    // The grace period (300 ms) runs out, the upload is cancelled through the job's abort
    // signal, and the job goes back to the queue.
    await slowSecondChunk(4_000);
    const next = await fleet.createPost({ accountId, video: { path } });
    await fleet.waitForPost(next.id, (p) => p.uploadedBytes > 0n || isFinal(p));
    second.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(second.output.join('\n')).toContain('cancelling the jobs still running');
    const left = await fleet.post(next.id);
    expect(left.status).toBe('uploading');
    expect(Number(left.uploadedBytes)).toBe(5 * 1024 * 1024);
    const job = await env.queues.publish.getJob(next.id);
    expect(job?.attemptsMade).toBe(0);
    expect(['delayed', 'waiting']).toContain(await job?.getState());

    // Any worker carries on from there; this one runs in the test's own process.
    await env.start();
    const done = await fleet.waitForPost(next.id, isFinal, 40_000);
    expect(done.status).toBe('published');
    const all = (await fleet.publishes()).filter((p) => p.openId === openId);
    expect(all).toHaveLength(2);
    expect(all.find((p) => p.publishId === done.publishId)?.sha256).toBe(fileHash);
    expect(JSON.stringify(done.events.map((e) => e.detail))).toContain('Resuming the upload');
  }, 90_000);
});
