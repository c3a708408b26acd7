import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient, PostResource } from './api-client';
import { ApiConnectionError, ApiRequestError, ApiUnreachableError } from './api-errors';
import { CliError } from './errors';
import { withInterrupt } from './interrupt';
import type { Output } from './output';
import { FINAL_STATUSES, progressLine, progressOf } from './post-progress';
import { createProgressDisplay } from './progress-display';

export interface FollowOptions {
  client: ApiClient;
  postId: string;
  output: Output;
  /** @defaultValue 500 ms */
  pollIntervalMs?: number;
  /** How long the API may be away (a restart, a deploy) before the watch gives up. */
  outageToleranceMs?: number;
}

/** Worth polling again: the API restarting or overloaded, not the request being wrong. */
function isTransient(error: unknown): boolean {
  return (
    error instanceof ApiUnreachableError ||
    error instanceof ApiConnectionError ||
    (error instanceof ApiRequestError && (error.status >= 500 || error.status === 429))
  );
}

/**
 * Follows a post until it is published, failed or canceled, with a live view of TikTok's
 * upload and the stages after it. Resolves with the final post; the caller reports it.
 */
export async function followPost(options: FollowOptions): Promise<PostResource> {
  const { postId, output } = options;
  const interval = options.pollIntervalMs ?? 500;
  const tolerance = options.outageToleranceMs ?? 60_000;
  const display = createProgressDisplay(output.human, { title: 'TikTok ' });

  return withInterrupt(
    `Stopped watching post ${postId}; it carries on without the CLI. ` +
      `Follow it again with: tiktok-fleet watch ${postId}`,
    async (signal) => {
      // Outages are ridden out only once the API has answered: a wrong --api-url fails at once.
      let lastAnswer: number | undefined;
      try {
        for (;;) {
          let post: PostResource;
          try {
            post = await options.client.getPost(postId, signal);
            lastAnswer = Date.now();
          } catch (error) {
            if (!isTransient(error) || lastAnswer === undefined) throw error;
            if (Date.now() - lastAnswer > tolerance) throw error;
            await sleep(interval * 2, undefined, { signal });
            continue;
          }
          const view = progressOf(post);
          display.update({
            done: view.uploadedBytes,
            total: view.totalBytes,
            percent: view.percent,
            label: view.status,
            line: progressLine(post.id, view),
          });
          if (FINAL_STATUSES.has(post.status)) return post;
          await sleep(interval, undefined, { signal });
        }
      } finally {
        display.stop();
      }
    },
  );
}

/** A post that ended failed or canceled: exit 1 with its error; `--json` prints the post. */
export class PostFailedError extends CliError {
  constructor(readonly post: PostResource) {
    super(
      post.error?.code ?? (post.status === 'canceled' ? 'post_canceled' : 'post_failed'),
      post.status === 'canceled'
        ? `Post ${post.id} was canceled${post.error ? `: ${post.error.message}` : '.'}`
        : `Post ${post.id} failed: ${post.error?.message ?? 'no reason was given'} (${post.error?.code ?? 'unknown'})`,
    );
    this.document = post;
  }
}

/** Prints a published post (share URL and TikTok's post id) or throws PostFailedError. */
export function reportFinalPost(post: PostResource, output: Output): void {
  if (post.status !== 'published') throw new PostFailedError(post);
  output.result(post, () => {
    const lines = [`✓ Published post ${post.id}`];
    if (post.tiktok.postId) lines.push(`  TikTok post id: ${post.tiktok.postId}`);
    if (post.tiktok.shareUrl) lines.push(`  ${post.tiktok.shareUrl}`);
    else {
      // No share URL: a private post, a draft in the creator's inbox, or moderation still
      // running. The worker's note on the published event says which.
      const note = publishedNote(post);
      if (note) lines.push(`  ${note}`);
    }
    return lines.join('\n');
  });
}

function publishedNote(post: PostResource): string | undefined {
  const event = post.history.findLast((e) => e.status === 'published');
  const message = (event?.detail as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}
