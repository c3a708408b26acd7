import type { ErrorAction } from './errors';

export interface FailReasonDescription {
  reason: string;
  message: string;
  retryable: boolean;
  action: ErrorAction;
}

type Entry = [action: ErrorAction, message: string];

/**
 * TikTok's `fail_reason` values for a publish that ended FAILED (docs/tiktok-api.md, Status
 * values). They arrive in status/fetch and in `post.publish.failed` webhooks, so they are
 * described apart from the request error codes.
 */
const FAIL_REASONS: Record<string, Entry> = {
  file_format_check_failed: [
    'fix_request',
    'TikTok could not read the video format. Use MP4 (H.264), MOV or WebM.',
  ],
  duration_check_failed: [
    'fix_request',
    'The video’s duration is outside what this creator may post.',
  ],
  frame_rate_check_failed: [
    'fix_request',
    'The video’s frame rate is not accepted by TikTok (23 to 60 frames per second).',
  ],
  picture_size_check_failed: [
    'fix_request',
    'The video’s resolution is not accepted by TikTok (360 to 4096 pixels on each side).',
  ],
  internal: ['retry', 'TikTok had an internal problem processing the video. Try again.'],
  video_pull_failed: [
    'retry',
    'TikTok could not download the video from its URL (connection error, or it took over an hour). Try again if the URL is still valid.',
  ],
  photo_pull_failed: [
    'retry',
    'TikTok could not download the photos from their URLs. Try again if the URLs are still valid.',
  ],
  publish_cancelled: ['give_up', 'The publish was cancelled.'],
  auth_removed: [
    'reauthorize',
    'The creator removed this app’s access while the video was processing. They must connect the account again.',
  ],
  spam_risk_too_many_posts: [
    'wait_daily_cap',
    'This TikTok account has reached its daily limit of posts made through apps. Wait before posting again.',
  ],
  spam_risk_user_banned_from_posting: [
    'give_up',
    'TikTok has banned this account from posting. The account owner must contact TikTok.',
  ],
  spam_risk_text: [
    'fix_request',
    'TikTok flagged the caption as risky. Change the caption; retrying as is will not help.',
  ],
  spam_risk: ['give_up', 'TikTok flagged this post as a spam risk. Retrying will not help.'],
  // Not on TikTok's list; third-party code reports it. Described rather than left unknown.
  video_bitrate_check_failed: ['fix_request', 'TikTok did not accept the video’s bitrate.'],
};

const RETRYABLE_ACTIONS: ReadonlySet<ErrorAction> = new Set(['retry', 'wait_daily_cap']);

export function describeFailReason(reason: string): FailReasonDescription {
  const entry = Object.hasOwn(FAIL_REASONS, reason) ? FAIL_REASONS[reason] : undefined;
  const [action, message] = entry ?? [
    'give_up',
    `TikTok could not publish the video (reason: ${reason}).`,
  ];
  return { reason, message, action, retryable: RETRYABLE_ACTIONS.has(action) };
}

export const KNOWN_FAIL_REASONS: readonly string[] = Object.keys(FAIL_REASONS);
