import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, startSandbox } from '@tiktok-fleet/tiktok-sandbox';
import type { ScenarioContext } from './scenarios';
import { chaosVideos } from './videos';

/**
 * The sandbox every chaos run uses: no rate limits and a short processing delay (the runs
 * are about the fleet under churn, not TikTok's pace), a daily cap high enough for every
 * scenario, creators that approve at once.
 */
export const startChaosSandbox = (): Promise<Sandbox> =>
  startSandbox({
    port: 0,
    rateLimits: false,
    processingDelayMs: 300,
    moderationDelayMs: 0,
    dailyPostCap: 1000,
    autoApprove: true,
  });

/** The chaos videos copied into a fresh media root of their own. */
export async function chaosMedia(root: string, tag: string) {
  const videos = await chaosVideos(root);
  const mediaRoot = await mkdtemp(join(tmpdir(), `tf-${tag}-media-`));
  for (const video of videos) await copyFile(video.file, join(mediaRoot, video.name));
  return { videos, mediaRoot };
}

/**
 * Everything a scenario needs but the fleet itself (the sandbox, the videos in a media root,
 * a log folder), for a test file; `close` stops the sandbox and removes the media root (the
 * logs stay, for a failure's report).
 */
export async function openScenarioContext(options: {
  root: string;
  tag: string;
  redisUrl: string;
  newDatabase: ScenarioContext['newDatabase'];
}): Promise<{ ctx: ScenarioContext; close: () => Promise<void> }> {
  const { videos, mediaRoot } = await chaosMedia(options.root, options.tag);
  const logDir = await mkdtemp(join(tmpdir(), `tf-${options.tag}-logs-`));
  const sandbox = await startChaosSandbox();
  const ctx: ScenarioContext = {
    root: options.root,
    logDir,
    sandbox,
    mediaRoot,
    videos,
    redisUrl: options.redisUrl,
    newDatabase: options.newDatabase,
  };
  return {
    ctx,
    close: async () => {
      await sandbox.close();
      await rm(mediaRoot, { recursive: true, force: true });
    },
  };
}
