import { toPostResource } from '@tiktok-fleet/posts';
import { type FleetProcessor, jobCatalog } from '@tiktok-fleet/queue';
import { UnrecoverableError } from 'bullmq';
import type { WorkerContext } from '../deps';
import { recordEvent } from '../post-outcomes';
import { AddressNotAllowedError, describeUrl, safeRequest } from '../safe-http';
import { SIGNATURE_HEADER, signCallback } from './sign-callback';

/** How long a receiver has to answer before the delivery counts as failed (the catalog's). */
const CALLBACK_TIMEOUT_MS = jobCatalog.notify.attemptTimeoutMs;

export interface NotifyResult {
  delivered: boolean;
  httpStatus?: number;
  reason?: string;
}

/**
 * The `notify` processor: POSTs `{ event, post }` (the post as `GET /v1/posts/:id` shows it)
 * to the post's callbackUrl, signed with CALLBACK_SIGNING_SECRET. Anything but a 2xx is
 * retried with the catalog's backoff; every try is recorded on the post.
 */
export function createNotifyProcessor(ctx: WorkerContext): FleetProcessor<'notify', NotifyResult> {
  return async (job, _token, signal) => {
    const { postId, event } = job.data;
    const post = await ctx.posts.get(postId);
    if (!post) return { delivered: false, reason: 'the post no longer exists' };
    if (!post.callbackUrl) return { delivered: false, reason: 'the post has no callbackUrl' };

    const url = post.callbackUrl;
    const body = JSON.stringify({ event, post: toPostResource(post, post.events) });
    const attempt = job.attemptsMade + 1;
    const timestamp = Math.floor(Date.now() / 1000);
    const timeout = AbortSignal.timeout(CALLBACK_TIMEOUT_MS);
    const note = (detail: Record<string, string | number | boolean>) =>
      recordEvent(ctx, post.id, post.status, { callback: { event, attempt, ...detail } });

    let httpStatus: number;
    try {
      const res = await safeRequest(url, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'tiktok-fleet-worker',
          [SIGNATURE_HEADER]: signCallback(ctx.settings.callbackSigningSecret, body, timestamp),
          'x-tiktok-fleet-event': event,
        },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        allowPrivate: ctx.settings.urlSource.allowPrivate,
      });
      res.body.resume();
      httpStatus = res.status;
    } catch (error) {
      if (error instanceof AddressNotAllowedError) {
        const message =
          `The callback URL ${describeUrl(url)} points at ${error.address}, a private or ` +
          'loopback address; callbacks go to public addresses only. Use a public URL.';
        await note({ delivered: false, error: message });
        throw new UnrecoverableError(message);
      }
      const why = timeout.aborted
        ? `no answer within ${CALLBACK_TIMEOUT_MS / 1000} s`
        : (error as Error).message;
      await note({ delivered: false, error: why });
      throw new Error(
        `The callback to ${describeUrl(url)} failed (${why}); it will be sent again.`,
      );
    }
    if (httpStatus >= 200 && httpStatus < 300) {
      await note({ delivered: true, httpStatus });
      return { delivered: true, httpStatus };
    }
    await note({ delivered: false, httpStatus });
    throw new Error(
      `The callback to ${describeUrl(url)} answered HTTP ${httpStatus}; it will be sent again.`,
    );
  };
}
