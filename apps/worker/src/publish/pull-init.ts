import { isTikTokApiError } from '@tiktok-fleet/tiktok';
import { DeferRequest, PostFailure } from '../errors';
import { recordEvent } from '../post-outcomes';
import type { PublishRun } from './publish-run';

const SENT = 'pull_init_sent';
const REFUSED = 'pull_init_refused';

/**
 * Sends an init that TikTok answers by fetching the media itself (a `pullFromUrl` video,
 * photos). Such an init is the post: once TikTok has it, it posts whether or not its answer
 * ever reaches the database (a SIGKILL before the write, a worker that stalled past its
 * locks and whose write the fence refuses, a timeout after TikTok took it). Unlike a file
 * upload, whose abandoned init gets no byte and posts nothing, it cannot be sent twice:
 *
 * - the intent is stored first, with the run's fence, so a holder that lost the post
 *   cannot store it and so sends nothing;
 * - an attempt that finds an earlier intent with no answer stored fails the post
 *   (`init_outcome_unknown`) instead of sending a second;
 * - an init TikTok did not answer (no response, a 5xx) fails the post the same way;
 * - an init refused or never sent (a 4xx answer, the fleet's own rate count) is recorded
 *   as such, so the next attempt may send again.
 */
export async function sendPullInit<T>(run: PublishRun, call: () => Promise<T>): Promise<T> {
  if (await earlierInitUnanswered(run)) {
    throw unknownOutcome(
      'An earlier attempt asked TikTok to fetch this post and stopped before its answer was stored (the worker was killed or stalled).',
    );
  }
  await recordEvent(
    run.ctx,
    run.post.id,
    run.post.status,
    { code: SENT, message: 'Asking TikTok to fetch the media from its URL.' },
    { fence: run.fence },
  );
  try {
    return await call();
  } catch (error) {
    if (unanswered(error)) {
      throw unknownOutcome(`TikTok did not answer the init (${describe(error)}).`);
    }
    await recordEvent(
      run.ctx,
      run.post.id,
      run.post.status,
      {
        code: REFUSED,
        message: `The init was refused or not sent (${describe(error)}): nothing was posted.`,
      },
      { fence: run.fence },
    );
    throw error;
  }
}

/**
 * The init went out and TikTok's answer is not known: no response (a timeout, a reset, the
 * run's own abort), a 5xx, or an answer that could not be read. Anything else (a 4xx, the
 * fleet's rate count before sending, a token refresh that failed) made no post.
 */
function unanswered(error: unknown): boolean {
  if (error instanceof DeferRequest || !isTikTokApiError(error)) return false;
  if (!error.endpoint?.includes('/init/')) return false;
  return error.httpStatus === undefined || error.httpStatus >= 500;
}

/**
 * Reads the history now, after the claim, so an intent stored by a predecessor before the
 * claim is seen. Every pull init reads it, the first attempt too: a job the reconciler made
 * again (after Redis lost the first) starts with no attempts or stalls counted, so the job's
 * counters cannot tell a first attempt. One read, only for pull sources and photos.
 */
async function earlierInitUnanswered(run: PublishRun): Promise<boolean> {
  const events = await run.ctx.posts.listEvents([run.post.id]);
  const last = events
    .map((e) => (e.detail as { code?: unknown } | null)?.code)
    .filter((code) => code === SENT || code === REFUSED)
    .at(-1);
  return last === SENT;
}

function unknownOutcome(why: string): PostFailure {
  return new PostFailure(
    'init_outcome_unknown',
    `${why} TikTok may have taken the post and may publish it; asking again could post it ` +
      "twice, so the fleet does not. Check the account's TikTok profile, and post again only " +
      'if it is not there.',
  );
}

function describe(error: unknown): string {
  if (isTikTokApiError(error)) return error.code;
  return error instanceof Error ? error.message : String(error);
}
