import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { WriteStream } from 'node:fs';
import type { SandboxContext } from './context';
import { fail, startProcessing } from './publish-machine';
import type { Publish } from './state';

/** TikTok gives a download one hour (docs/tiktok-api.md, Pull from URL and cancel). */
const downloadTimeoutMs = 60 * 60_000;

/**
 * PULL_FROM_URL: the sandbox really fetches the URL (no redirects: a 3xx counts as invalid,
 * docs/tiktok-api.md, Pull from URL and cancel), hashing and counting the bytes. Anything that goes
 * wrong ends, after the processing delay, in FAILED with `video_pull_failed`.
 */
export async function pullVideo(ctx: SandboxContext, publish: Publish, url: string) {
  const { state } = ctx;
  const controller = state.scheduler.abortController();
  publish.pullAbort = controller;
  const timer = setTimeout(() => controller.abort(), downloadTimeoutMs);
  let file: WriteStream | null = null;
  try {
    const response = await fetch(url, { redirect: 'manual', signal: controller.signal });
    if (response.status !== 200 || !response.body) throw new Error(`HTTP ${response.status}`);
    const hash = createHash('sha256');
    if (state.config.storeVideos) {
      publish.storedPath = await ctx.videos.newFile(publish.publishId);
      file = ctx.videos.writerAt(publish.storedPath, 0);
    }
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      publish.downloadedBytes += chunk.byteLength;
      if (file && !file.write(chunk)) await once(file, 'drain');
    }
    publish.bytesReceived = publish.downloadedBytes;
    publish.videoSize = publish.downloadedBytes;
    publish.sha256 = hash.digest('hex');
    startProcessing(ctx, publish);
  } catch {
    if (publish.status === 'FAILED') return;
    state.scheduler.after(state.config.processingDelayMs, () =>
      fail(ctx, publish, 'video_pull_failed'),
    );
  } finally {
    clearTimeout(timer);
    state.scheduler.forget(controller);
    file?.end();
  }
}
