import { planForFile } from '@tiktok-fleet/media';
import type { PostRequest } from '@tiktok-fleet/posts';
import { enqueuePrepare, findPrepareJob } from '@tiktok-fleet/queue';
import type { WorkerContext } from '../deps';
import type { PublishResult, PublishRun } from '../publish/publish-run';
import { resolveSource } from '../publish/resolve-source';

/**
 * Before anything else of a publish (no upload lease, no daily slot taken): when the post
 * asks for preparation (its own `prepare`, else PREPARE_DEFAULT) and the probe says TikTok
 * would refuse the file but ffmpeg can fix it, the post goes `preparing` and its `prepare`
 * job takes over; the publish job ends and is added again once the video is ready.
 * Undefined: nothing to prepare, the publish goes on with the file as it is.
 */
export async function handOverToPrepare(
  run: PublishRun,
  request: PostRequest,
): Promise<PublishResult | undefined> {
  const { ctx, post } = run;
  const mode = post.prepare ?? ctx.settings.prepare.defaultMode;
  if (mode !== 'auto' || post.preparedVideo || 'pullFromUrl' in request.video) return undefined;
  const source = await resolveSource(ctx, post.id, request.video, run.signal);
  if (source.kind !== 'file') return undefined;
  const { probe, plan } = await planForFile(source.path);
  if (plan.kind === 'keep') {
    // The upload checks this same file next: it takes this probe rather than a second one.
    run.probed = { path: source.path, probe };
    return undefined;
  }
  await run.checkpoint();
  await run.transition('preparing', {
    changes: { preparePercent: 0 },
    detail: {
      message: `Preparing the video for TikTok with ffmpeg (${plan.kind === 'remux' ? 'into MP4, the picture copied as it is' : 'to H.264 and AAC in MP4'}): ${plan.reasons.join(', ')}.`,
      plan: plan.kind,
      reasons: plan.reasons,
    },
  });
  await addPrepareJob(ctx, post.id);
  return { status: 'preparing' };
}

/** The post's prepare job; one left finished by an earlier round makes way for the new one. */
export async function addPrepareJob(ctx: WorkerContext, postId: string): Promise<void> {
  const old = await findPrepareJob(ctx.queues, postId);
  const state = await old?.getState();
  if (old && (state === 'completed' || state === 'failed')) await old.remove();
  await enqueuePrepare(ctx.queues, postId);
}
