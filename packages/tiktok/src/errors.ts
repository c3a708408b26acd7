/**
 * What a caller should do about a failed call. The worker maps each to a queue decision;
 * people read the `message`.
 */
export type ErrorAction =
  | 'retry' // the same call may succeed later: back off and try again
  | 'refresh_token' // refresh the access token, then retry
  | 'wait_rate_limit' // a per-minute limit: wait for the window, then retry
  | 'wait_daily_cap' // a 24 h cap (posts, inbox shares, creators, research quota): wait, then retry
  | 'reauthorize' // the user must connect the account again
  | 'fix_request' // the request (or the video, or the app's setup) is wrong; retrying will not help
  | 'give_up'; // nothing the client can do

interface ErrorRule {
  action: ErrorAction;
  /** A sentence a person understands: what happened and what to do. */
  description: string;
}

const RETRYABLE: ReadonlySet<ErrorAction> = new Set([
  'retry',
  'refresh_token',
  'wait_rate_limit',
  'wait_daily_cap',
]);

const rule = (action: ErrorAction, description: string): ErrorRule => ({ action, description });

/**
 * Every code from TikTok's generic and Content Posting tables and the few the product's
 * requirements add (docs/tiktok-api.md, Error codes), its OAuth errors (same file, OAuth errors),
 * and the client's own codes for the upload and the research budget. Keyed by TikTok's code: HTTP
 * statuses are not reliable (creator_info answers cap and ban errors with 200).
 */
const RULES: Record<string, ErrorRule> = {
  // Generic v2 codes
  access_token_invalid: rule(
    'refresh_token',
    'The access token is invalid or has expired. Refresh the token and try again; if the refresh fails, the account must be connected again.',
  ),
  access_token_expired: rule(
    'refresh_token',
    'The access token has expired. Refresh the token and try again.',
  ),
  internal_error: rule(
    'retry',
    'TikTok could not be reached or had an internal error. Try again in a little while.',
  ),
  invalid_file_upload: rule(
    'fix_request',
    'The uploaded file or the upload request does not meet TikTok’s rules. Check the video and the chunk headers.',
  ),
  invalid_params: rule(
    'fix_request',
    'TikTok rejected a field of the request as invalid. Correct the request; TikTok’s message names the field.',
  ),
  rate_limit_exceeded: rule(
    'wait_rate_limit',
    'Too many requests to TikTok in the last minute. Wait for the rate limit to clear, then try again with backoff.',
  ),
  scope_not_authorized: rule(
    'reauthorize',
    'The user has not granted this app the permission (scope) this call needs. Ask them to connect the account again and approve it.',
  ),
  scope_permission_missed: rule(
    'fix_request',
    'Some requested fields need scopes the user did not grant. Ask only for fields of granted scopes, or have the user connect again with the extra scope.',
  ),

  // Content Posting
  spam_risk_too_many_posts: rule(
    'wait_daily_cap',
    'This TikTok account has reached its daily limit of posts made through apps. Wait before posting again (the limit is counted over 24 hours).',
  ),
  spam_risk_user_banned_from_posting: rule(
    'give_up',
    'TikTok has banned this account from posting. The account owner must contact TikTok; retrying will not help.',
  ),
  spam_risk_too_many_pending_share: rule(
    'wait_daily_cap',
    'This account already has 5 drafts waiting in its TikTok inbox in the last 24 hours. The creator must post or discard them, or wait, before another draft can be sent.',
  ),
  reached_active_user_cap: rule(
    'wait_daily_cap',
    'This app has reached TikTok’s daily limit of accounts that may post through it. Try again tomorrow, or ask TikTok for a higher limit.',
  ),
  unaudited_client_can_only_post_to_private_accounts: rule(
    'fix_request',
    'This app has not passed TikTok’s review yet, so it may only post to private accounts with the privacy level SELF_ONLY. Post privately, or complete TikTok’s app review.',
  ),
  unaudited_client_in_live_env: rule(
    'fix_request',
    'This app has not passed TikTok’s review for the live environment. Complete the app review in TikTok’s developer portal; until then only private posts are allowed.',
  ),
  url_ownership_unverified: rule(
    'fix_request',
    'The video URL is not on a domain or URL prefix verified for this app. Verify it in TikTok’s developer portal or upload the file instead.',
  ),
  privacy_level_option_mismatch: rule(
    'fix_request',
    'The privacy level is missing or not one the creator can use. Choose one of the options from creator info.',
  ),
  app_version_check_failed: rule(
    'give_up',
    'The creator’s TikTok app is too old to receive drafts. Ask them to update TikTok (31.8 or newer), then try again.',
  ),
  invalid_publish_id: rule('fix_request', 'TikTok knows no publish with this id.'),
  token_not_authorized_for_specified_publish_id: rule(
    'fix_request',
    'This publish belongs to another account: use the access token of the account that started it.',
  ),
  publish_not_cancellable: rule(
    'give_up',
    'This publish can no longer be cancelled: it has finished, or TikTok is already processing it.',
  ),

  // Codes the product's requirements name and TikTok's pages do not list (docs/tiktok-api.md,
  // Error codes); kept so an error with one of them still gets the documented handling.
  video_duration_too_short: rule(
    'fix_request',
    'The video is too short for TikTok (at least 3 seconds).',
  ),
  video_duration_too_long: rule(
    'fix_request',
    'The video is longer than this creator may post. Trim it to the creator’s maximum duration.',
  ),
  video_size_too_large: rule('fix_request', 'The video file is larger than TikTok’s 4 GB limit.'),
  video_format_invalid: rule(
    'fix_request',
    'TikTok does not accept this video format. Use MP4 (H.264), MOV or WebM.',
  ),
  upload_failed: rule(
    'retry',
    'The video upload to TikTok failed after several attempts. Try the upload again.',
  ),
  processing_failed: rule(
    'retry',
    'TikTok could not process the video. Check that the video plays correctly, then try again.',
  ),

  // OAuth (flat error bodies from /v2/oauth/*)
  access_denied: rule(
    'reauthorize',
    'The user declined to connect their TikTok account. They can connect again at any time.',
  ),
  invalid_client: rule(
    'fix_request',
    'TikTok did not accept the app’s client key or client secret. Check the app credentials.',
  ),
  invalid_grant: rule(
    'reauthorize',
    'The authorization code or refresh token is invalid, expired, revoked or already used. The user must connect the account again.',
  ),
  invalid_request: rule(
    'fix_request',
    'TikTok rejected the OAuth request as malformed (for example a redirect URI that does not match).',
  ),
  invalid_scope: rule('fix_request', 'A requested scope is unknown or not approved for this app.'),
  unauthorized_client: rule(
    'fix_request',
    'This app is not allowed to use this kind of authorization. Check the app’s products and scopes in TikTok’s developer portal.',
  ),
  unsupported_grant_type: rule('fix_request', 'TikTok does not support this grant type here.'),
  unsupported_response_type: rule(
    'fix_request',
    'TikTok does not support this response type; it must be "code".',
  ),
  server_error: rule(
    'retry',
    'TikTok’s authorization server had an internal error. Try again in a little while.',
  ),
  temporarily_unavailable: rule(
    'retry',
    'TikTok’s authorization server is temporarily unavailable. Try again in a little while.',
  ),

  // The client's own codes
  upload_url_expired: rule(
    'retry',
    'The upload URL has expired (TikTok keeps it for one hour) or is no longer valid. Start the upload again with a new init; nothing was posted.',
  ),
  upload_out_of_sync: rule(
    'retry',
    'TikTok and the client disagree about how much of the video was uploaded. Start the upload again with a new init.',
  ),
  aborted: rule('give_up', 'The operation was cancelled before it finished.'),
  research_daily_quota_exhausted: rule(
    'wait_daily_cap',
    'The Research API’s daily budget (1000 requests, 100,000 records) is spent. It resets at 00:00 UTC.',
  ),
  unexpected_response: rule(
    'retry',
    'TikTok answered with something this client did not expect. Try again; if it persists, the API may have changed.',
  ),
};

// TikTok's docs spell it `invalid_param`; real responses say `invalid_params`. Same meaning.
RULES.invalid_param = RULES.invalid_params as ErrorRule;

const UNKNOWN: ErrorRule = rule(
  'give_up',
  'TikTok answered with an error code this client does not know; see TikTok’s message.',
);

/** Every code the client knows how to handle. */
export const KNOWN_ERROR_CODES: readonly string[] = Object.keys(RULES);

export interface ErrorClassification {
  action: ErrorAction;
  retryable: boolean;
  description: string;
  known: boolean;
}

export function classifyErrorCode(code: string): ErrorClassification {
  const found = Object.hasOwn(RULES, code) ? RULES[code] : undefined;
  const r = found ?? UNKNOWN;
  return {
    action: r.action,
    retryable: RETRYABLE.has(r.action),
    description: r.description,
    known: found !== undefined,
  };
}

export interface TikTokApiErrorInit {
  code: string;
  endpoint: string;
  httpStatus?: number | undefined;
  logId?: string | undefined;
  /** TikTok's own message (or the transport's), already stripped of secrets. */
  tiktokMessage?: string | undefined;
  /** Overrides the table's sentence where the client knows more (e.g. which chunk failed). */
  description?: string | undefined;
}

/**
 * The one error every client call throws. `code` is TikTok's own (or the client's for
 * transport and upload failures), `action` says what to do, and `message` is written for a
 * person. It never carries a token, the client secret, an upload URL or the underlying axios
 * error (whose config holds all of those).
 */
export class TikTokApiError extends Error {
  override readonly name = 'TikTokApiError';
  readonly code: string;
  readonly httpStatus: number | undefined;
  readonly logId: string | undefined;
  readonly endpoint: string;
  readonly action: ErrorAction;
  readonly retryable: boolean;
  readonly description: string;
  readonly tiktokMessage: string | undefined;

  constructor(init: TikTokApiErrorInit) {
    const c = classifyErrorCode(init.code);
    const description = init.description ?? c.description;
    const detail = init.tiktokMessage ? ` (TikTok said: ${init.tiktokMessage})` : '';
    super(`${description}${detail} [${init.code} at ${init.endpoint}]`);
    this.code = init.code;
    this.httpStatus = init.httpStatus;
    this.logId = init.logId;
    this.endpoint = init.endpoint;
    this.action = c.action;
    this.retryable = c.retryable;
    this.description = description;
    this.tiktokMessage = init.tiktokMessage;
  }

  /** A plain object for logs and job data: no stack, nothing secret. */
  toJSON() {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      httpStatus: this.httpStatus,
      logId: this.logId,
      endpoint: this.endpoint,
      action: this.action,
      retryable: this.retryable,
    };
  }
}

export function isTikTokApiError(error: unknown): error is TikTokApiError {
  return error instanceof TikTokApiError;
}
