import { isFinalStatus, type PostStatus, progressStepsOf } from '@tiktok-fleet/posts/rules';
import { formatBytes } from '../format';
import type { Post } from '../types';

export const isFinal = isFinalStatus;

/** What a person can do about a failed post, by the error's stable code. */
const ADVICE: [RegExp, string][] = [
  [
    /^(account_needs_reauth|token_|access_token)/,
    'Reconnect the account on the Accounts page, then post again.',
  ],
  [/^account_revoked/, 'The account was disconnected. Connect it again to post.'],
  [/^video_/, 'Choose another video that meets TikTok’s rules and post again.'],
  [/daily_cap|spam_risk_too_many/, 'The account reached its daily post limit. Try again later.'],
  [/^spam_risk/, 'TikTok does not let this account post now. Try again later in the TikTok app.'],
  [/rate_limit/, 'TikTok asked to slow down. Post again in a few minutes.'],
  [/privacy|unaudited/, 'Choose another privacy level the creator allows and post again.'],
];

export function adviceFor(code: string): string {
  return (
    ADVICE.find(([pattern]) => pattern.test(code))?.[1] ??
    'Post again; if it fails again, look at the Fleet page for the worker’s failures.'
  );
}

/** The post's way through validating, uploading, processing and published, with its bytes. */
export function PostProgress({ post, live = false }: { post: Post; live?: boolean }) {
  const reached = new Set<PostStatus>(post.history.map((h) => h.status));
  reached.add(post.status);
  const steps = progressStepsOf(reached);
  const total = post.progress.totalBytes;
  const current = steps.indexOf(post.status);
  return (
    <div class="post-progress">
      <ol class="steps" aria-label="Progress of the post">
        {steps.map((step, index) => {
          // Published is the end of the way: shown done, not "in progress".
          const state =
            post.status === step && step !== 'published'
              ? 'current'
              : reached.has(step) || current > index
                ? 'done'
                : 'pending';
          return (
            <li
              key={step}
              class={`step step-${state}`}
              aria-current={state === 'current' ? 'step' : undefined}
            >
              <span class="step-dot" aria-hidden="true" />
              {step}
              <span class="visually-hidden">
                {state === 'done' ? ' (done)' : state === 'current' ? ' (now)' : ''}
              </span>
            </li>
          );
        })}
      </ol>
      {total !== null && total > 0 && (
        <label class="bar">
          <span>
            Sent to TikTok: {formatBytes(post.progress.uploadedBytes)} of {formatBytes(total)}
          </span>
          <progress
            max={total}
            value={post.progress.uploadedBytes}
            data-testid="tiktok-upload-progress"
          />
        </label>
      )}
      {/* One live region for the post being followed; a list of them would chatter. */}
      <p class="status-line" role={live ? 'status' : undefined}>
        Status: <strong data-testid="post-status">{post.status}</strong>
      </p>
      {post.error && (
        <div class="notice notice-error" role={live ? 'alert' : undefined}>
          <p>
            {post.error.message} <span class="code">({post.error.code})</span>
          </p>
          <p>{adviceFor(post.error.code)}</p>
        </div>
      )}
      {post.tiktok.shareUrl && (
        <p>
          <a href={post.tiktok.shareUrl} target="_blank" rel="noreferrer" data-testid="share-link">
            Open the post on TikTok
          </a>
        </p>
      )}
    </div>
  );
}
