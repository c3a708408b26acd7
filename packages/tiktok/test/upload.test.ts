import { waitUntil } from '@tiktok-fleet/testing/wait-until';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChunkPlan } from '../src/chunk-plan';
import type { UserTokens } from '../src/oauth';
import type { InitResult } from '../src/publish';
import type { UploadProgress } from '../src/upload';
import { useTempDir, writeRandomFile } from './support/files';
import { caught, useSandbox } from './support/sandbox';

const MiB = 1024 * 1024;
const env = useSandbox();
let dir: string;
let tokens: UserTokens;
/** 16 MiB + a tail, sent in 5 MiB chunks: three chunks, the last one carrying the remainder. */
let multi: { path: string; size: number; sha256: string };

beforeAll(async () => {
  dir = await useTempDir();
  multi = await writeRandomFile(dir, 'multi.bin', 16 * MiB + 12_345);
});

async function freshInit(
  size: number,
  chunkSize?: number,
): Promise<InitResult & { uploadUrl: string; plan: ChunkPlan }> {
  const init = await env.client.initDirectPost(tokens.accessToken, {
    postInfo: { privacyLevel: 'SELF_ONLY' },
    source: { source: 'FILE_UPLOAD', videoSize: size, ...(chunkSize ? { chunkSize } : {}) },
  });
  if (!init.uploadUrl || !init.plan) throw new Error('no upload URL');
  return init as InitResult & { uploadUrl: string; plan: ChunkPlan };
}

async function resetAndConnect(config: Record<string, unknown> = {}) {
  await env.reset(config);
  tokens = await env.connect();
}

const fast = { attempts: 4, baseDelayMs: 5 };

describe('uploadVideo against the sandbox', () => {
  it('uploads a 3 MB file whole and TikTok holds exactly its bytes', async () => {
    await resetAndConnect();
    const file = await writeRandomFile(dir, 'three.bin', 3 * 1000 * 1000);
    const init = await freshInit(file.size);
    expect(init.plan).toMatchObject({ chunkSize: file.size, totalChunkCount: 1 });
    const progress: UploadProgress[] = [];
    const result = await env.client.uploadVideo({
      uploadUrl: init.uploadUrl,
      filePath: file.path,
      plan: init.plan,
      onProgress: (p) => {
        progress.push(p);
      },
    });
    expect(result).toMatchObject({ chunksSent: 1, retries: 0, resyncs: 0 });
    expect(progress).toEqual([
      { bytesSent: file.size, totalBytes: file.size, chunksSent: 1, totalChunks: 1 },
    ]);
    expect(await env.publish(init.publishId)).toMatchObject({
      bytesReceived: file.size,
      sha256: file.sha256,
      totalChunkCount: 1,
    });
  });

  it('uploads a 70 MB file in chunks, in order, one at a time, and TikTok holds exactly its bytes', async () => {
    await resetAndConnect();
    const file = await writeRandomFile(dir, 'seventy.bin', 70 * MiB);
    const init = await freshInit(file.size);
    expect(init.plan.totalChunkCount).toBe(7);
    const progress: UploadProgress[] = [];
    await env.client.uploadVideo({
      uploadUrl: init.uploadUrl,
      filePath: file.path,
      plan: init.plan,
      contentType: 'video/mp4',
      onProgress: (p) => {
        progress.push(p);
      },
    });
    expect(progress.map((p) => p.bytesSent)).toEqual([
      ...init.plan.chunks.slice(1).map((c) => c.start),
      file.size,
    ]);
    expect(progress.map((p) => p.chunksSent)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const held = await env.publish(init.publishId);
    expect(held).toMatchObject({
      videoSize: file.size,
      chunkSize: init.plan.chunkSize,
      totalChunkCount: 7,
      bytesReceived: file.size,
      sha256: file.sha256,
    });
    const stats = await env.stats();
    expect(stats.violations).toEqual([]);
    expect(Object.values(stats.maxConcurrentUploadsByCreator).every((n) => n <= 1)).toBe(true);
  });

  it('stopBeforeNextChunk lets the chunk in flight finish and sends no other', async () => {
    await resetAndConnect();
    const init = await freshInit(multi.size, 5 * MiB);
    const draining = new AbortController();
    const progress: UploadProgress[] = [];
    // Hold the first chunk at TikTok, and ask to stop once it is on its way.
    await env.fault({ latencyMs: 500 });
    const uploadsBefore = (await env.stats()).requests['/upload/video/'] ?? 0;
    const upload = env.client.uploadVideo({
      uploadUrl: init.uploadUrl,
      filePath: multi.path,
      plan: init.plan,
      stopBeforeNextChunk: draining.signal,
      onProgress: (p) => {
        progress.push(p);
      },
    });
    await waitUntil(
      async () => ((await env.stats()).requests['/upload/video/'] ?? 0) > uploadsBefore,
      { what: 'the first chunk to reach TikTok', intervalMs: 10 },
    );
    draining.abort();
    const error = await caught(() => upload);
    expect(error).toMatchObject({ code: 'aborted' });
    // The chunk in flight arrived whole and was confirmed; the next was never started.
    expect(progress.map((p) => p.bytesSent)).toEqual([5 * MiB]);
    expect((await env.publish(init.publishId)).bytesReceived).toBe(5 * MiB);
    // And the upload carries on from there.
    await env.client.uploadVideo({
      uploadUrl: init.uploadUrl,
      filePath: multi.path,
      plan: init.plan,
      startAt: 5 * MiB,
    });
    expect((await env.publish(init.publishId)).sha256).toBe(multi.sha256);
  });

  it('retries a chunk alone after an injected 5xx', async () => {
    await resetAndConnect();
    const init = await freshInit(multi.size, 5 * MiB);
    expect(init.plan.totalChunkCount).toBe(3);
    await env.fault({ chunk: { status: 503, count: 1 } });
    const result = await env.client.uploadVideo({
      uploadUrl: init.uploadUrl,
      filePath: multi.path,
      plan: init.plan,
      retry: fast,
    });
    expect(result).toMatchObject({ chunksSent: 3, retries: 1 });
    expect((await env.publish(init.publishId)).sha256).toBe(multi.sha256);
    expect((await env.stats()).violations).toEqual([]);
  });

  it('retries a chunk alone after the connection is reset', async () => {
    await resetAndConnect();
    const init = await freshInit(multi.size, 5 * MiB);
    await env.fault({ chunk: { reset: true, count: 2 } });
    const result = await env.client.uploadVideo({
      uploadUrl: init.uploadUrl,
      filePath: multi.path,
      plan: init.plan,
      retry: fast,
    });
    expect(result).toMatchObject({ chunksSent: 3, retries: 2 });
    expect((await env.publish(init.publishId)).sha256).toBe(multi.sha256);
  });

  it('gives up with upload_failed (retryable) when a chunk keeps failing', async () => {
    await resetAndConnect();
    const init = await freshInit(multi.size, 5 * MiB);
    await env.fault({ chunk: { status: 502, count: 3 } });
    const err = await caught(() =>
      env.client.uploadVideo({
        uploadUrl: init.uploadUrl,
        filePath: multi.path,
        plan: init.plan,
        retry: { attempts: 3, baseDelayMs: 1 },
      }),
    );
    expect(err).toMatchObject({ code: 'upload_failed', action: 'retry', retryable: true });
    expect(err.message).toContain('HTTP 502');
    expect(err.message).not.toContain('upload_token');
  });

  it('recovers from a 416 after a crash lost the progress: carries on from what TikTok holds', async () => {
    await resetAndConnect();
    const init = await freshInit(multi.size, 5 * MiB);
    // The process "dies" right after TikTok confirmed the first chunk, before saving it.
    const crash = await caught(() =>
      env.client.uploadVideo({
        uploadUrl: init.uploadUrl,
        filePath: multi.path,
        plan: init.plan,
        onProgress: () => {
          throw new Error('crash');
        },
      }),
    ).catch((e) => e as Error);
    expect((crash as Error).message).toBe('crash');

    const sent: number[] = [];
    const result = await env.client.uploadVideo({
      uploadUrl: init.uploadUrl,
      filePath: multi.path,
      plan: init.plan,
      startAt: 0,
      onProgress: (p) => {
        sent.push(p.bytesSent);
      },
    });
    expect(result.resyncs).toBe(1);
    // The 416 moved it to chunk 2 without sending chunk 1 again.
    expect(sent).toEqual([init.plan.chunks[1]?.start, init.plan.chunks[2]?.start, multi.size]);
    expect(result.chunksSent).toBe(2);
    expect((await env.publish(init.publishId)).sha256).toBe(multi.sha256);
  });

  it('recovers from a 416 when it resumed ahead of TikTok: goes back to what TikTok holds', async () => {
    await resetAndConnect();
    const init = await freshInit(multi.size, 5 * MiB);
    const result = await env.client.uploadVideo({
      uploadUrl: init.uploadUrl,
      filePath: multi.path,
      plan: init.plan,
      startAt: init.plan.chunks[2]?.start,
    });
    expect(result).toMatchObject({ resyncs: 1, chunksSent: 3 });
    expect((await env.publish(init.publishId)).sha256).toBe(multi.sha256);
  });

  it('stops on abort with a typed error, and resumes from the saved offset', async () => {
    await resetAndConnect();
    const init = await freshInit(multi.size, 5 * MiB);
    const controller = new AbortController();
    let saved = 0;
    const err = await caught(() =>
      env.client.uploadVideo({
        uploadUrl: init.uploadUrl,
        filePath: multi.path,
        plan: init.plan,
        signal: controller.signal,
        onProgress: (p) => {
          saved = p.bytesSent;
          controller.abort();
        },
      }),
    );
    expect(err).toMatchObject({ code: 'aborted', retryable: false });
    expect(saved).toBe(init.plan.chunks[1]?.start);
    expect((await env.publish(init.publishId)).bytesReceived).toBe(saved);

    const result = await env.client.uploadVideo({
      uploadUrl: init.uploadUrl,
      filePath: multi.path,
      plan: init.plan,
      startAt: saved,
    });
    expect(result).toMatchObject({ chunksSent: 2, resyncs: 0 });
    expect((await env.publish(init.publishId)).sha256).toBe(multi.sha256);
  });

  it('aborts a chunk in flight', async () => {
    await resetAndConnect();
    const init = await freshInit(multi.size, 5 * MiB);
    // TikTok holds the first chunk for longer than the test may run: only an abort that cuts
    // the request in flight lets the upload end before the test times out.
    await env.fault({ latencyMs: 60_000 });
    const uploadsBefore = (await env.stats()).requests['/upload/video/'] ?? 0;
    const controller = new AbortController();
    const upload = caught(() =>
      env.client.uploadVideo({
        uploadUrl: init.uploadUrl,
        filePath: multi.path,
        plan: init.plan,
        signal: controller.signal,
      }),
    );
    await waitUntil(
      async () => ((await env.stats()).requests['/upload/video/'] ?? 0) > uploadsBefore,
      { what: 'the first chunk to reach TikTok', intervalMs: 10 },
    );
    controller.abort();
    const err = await upload;
    expect(err.code).toBe('aborted');
    expect((await env.publish(init.publishId)).bytesReceived).toBe(0);
  });

  it('reports an expired upload URL as upload_url_expired', async () => {
    await resetAndConnect();
    const init = await freshInit(multi.size, 5 * MiB);
    // An upload URL lives one hour at TikTok; let it pass there.
    await env.advanceClock(3600_000 + 1_000);
    const err = await caught(() =>
      env.client.uploadVideo({ uploadUrl: init.uploadUrl, filePath: multi.path, plan: init.plan }),
    );
    expect(err).toMatchObject({ code: 'upload_url_expired', httpStatus: 403, action: 'retry' });
    expect(err.message).not.toContain(init.uploadUrl);
  });

  it('tells a finished upload from a dead URL when asked where the upload stands', async () => {
    await resetAndConnect();
    const init = await freshInit(multi.size, 5 * MiB);
    await env.client.uploadVideo({
      uploadUrl: init.uploadUrl,
      filePath: multi.path,
      plan: init.plan,
    });
    // A worker that died before saving the 201 resumes: the task is closed (404).
    const askStatus = async () =>
      (await env.client.fetchPublishStatus(tokens.accessToken, init.publishId)).uploadedBytes;
    const again = await env.client.uploadVideo({
      uploadUrl: init.uploadUrl,
      filePath: multi.path,
      plan: init.plan,
      getUploadedBytes: askStatus,
    });
    expect(again).toMatchObject({ totalBytes: multi.size, chunksSent: 0, resyncs: 1 });
    expect((await env.publishes()).length).toBe(1);

    const blind = await caught(() =>
      env.client.uploadVideo({ uploadUrl: init.uploadUrl, filePath: multi.path, plan: init.plan }),
    );
    expect(blind).toMatchObject({ code: 'upload_url_expired', httpStatus: 404 });
  });

  it('refuses a file whose size does not match the plan', async () => {
    await resetAndConnect();
    const init = await freshInit(multi.size + 1, 5 * MiB);
    const err = await caught(() =>
      env.client.uploadVideo({ uploadUrl: init.uploadUrl, filePath: multi.path, plan: init.plan }),
    );
    expect(err).toMatchObject({ code: 'invalid_file_upload', action: 'fix_request' });
  });
});
