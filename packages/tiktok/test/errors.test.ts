import { describe, expect, it } from 'vitest';
import {
  classifyErrorCode,
  type ErrorAction,
  KNOWN_ERROR_CODES,
  TikTokApiError,
} from '../src/errors';
import { describeFailReason } from '../src/fail-reason';
import { redactSecrets } from '../src/redact';

// docs/tiktok-api.md, Error codes and OAuth errors, with the handling each row asks for.
const EXPECTED: Record<string, ErrorAction> = {
  rate_limit_exceeded: 'wait_rate_limit',
  access_token_expired: 'refresh_token',
  access_token_invalid: 'refresh_token',
  spam_risk_too_many_posts: 'wait_daily_cap',
  spam_risk_user_banned_from_posting: 'give_up',
  video_duration_too_short: 'fix_request',
  video_duration_too_long: 'fix_request',
  video_size_too_large: 'fix_request',
  video_format_invalid: 'fix_request',
  upload_failed: 'retry',
  processing_failed: 'retry',
  unaudited_client_in_live_env: 'fix_request',
  unaudited_client_can_only_post_to_private_accounts: 'fix_request',
  internal_error: 'retry',
  invalid_file_upload: 'fix_request',
  invalid_params: 'fix_request',
  invalid_param: 'fix_request',
  scope_not_authorized: 'reauthorize',
  scope_permission_missed: 'fix_request',
  spam_risk_too_many_pending_share: 'wait_daily_cap',
  reached_active_user_cap: 'wait_daily_cap',
  url_ownership_unverified: 'fix_request',
  privacy_level_option_mismatch: 'fix_request',
  app_version_check_failed: 'give_up',
  invalid_publish_id: 'fix_request',
  token_not_authorized_for_specified_publish_id: 'fix_request',
  publish_not_cancellable: 'give_up',
  access_denied: 'reauthorize',
  invalid_client: 'fix_request',
  invalid_grant: 'reauthorize',
  invalid_request: 'fix_request',
  invalid_scope: 'fix_request',
  unauthorized_client: 'fix_request',
  unsupported_grant_type: 'fix_request',
  unsupported_response_type: 'fix_request',
  server_error: 'retry',
  temporarily_unavailable: 'retry',
};

describe('error classification', () => {
  it.each(Object.entries(EXPECTED))('%s → %s', (code, action) => {
    const c = classifyErrorCode(code);
    expect(c.known).toBe(true);
    expect(c.action).toBe(action);
    expect(c.retryable).toBe(
      ['retry', 'refresh_token', 'wait_rate_limit', 'wait_daily_cap'].includes(action),
    );
    expect(c.description.length).toBeGreaterThan(20);
  });

  it('treats invalid_param and invalid_params alike', () => {
    expect(classifyErrorCode('invalid_param')).toEqual(classifyErrorCode('invalid_params'));
  });

  it('gives every known code a sentence', () => {
    for (const code of KNOWN_ERROR_CODES) {
      expect(classifyErrorCode(code).description).toMatch(/\.$/);
    }
  });

  it('does not retry a code it does not know', () => {
    expect(classifyErrorCode('something_new')).toMatchObject({
      known: false,
      action: 'give_up',
      retryable: false,
    });
  });

  it('builds a message a person can read, with the code and endpoint', () => {
    const e = new TikTokApiError({
      code: 'spam_risk_too_many_posts',
      endpoint: '/v2/post/publish/creator_info/query/',
      httpStatus: 200,
      logId: '202210112248442CB9319E1FB30C1073F3',
      tiktokMessage: 'too many posts',
    });
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toContain('daily limit');
    expect(e.message).toContain('spam_risk_too_many_posts');
    expect(e).toMatchObject({ action: 'wait_daily_cap', retryable: true, httpStatus: 200 });
    expect(JSON.parse(JSON.stringify(e))).not.toHaveProperty('stack');
  });
});

describe('fail reasons', () => {
  it.each([
    ['file_format_check_failed', false],
    ['duration_check_failed', false],
    ['frame_rate_check_failed', false],
    ['picture_size_check_failed', false],
    ['internal', true],
    ['video_pull_failed', true],
    ['photo_pull_failed', true],
    ['publish_cancelled', false],
    ['auth_removed', false],
    ['spam_risk_too_many_posts', true],
    ['spam_risk_user_banned_from_posting', false],
    ['spam_risk_text', false],
    ['spam_risk', false],
  ])('%s retryable=%s', (reason, retryable) => {
    const d = describeFailReason(reason);
    expect(d.retryable).toBe(retryable);
    expect(d.message).not.toContain('(reason:');
  });

  it('describes an unknown reason without guessing it is retryable', () => {
    expect(describeFailReason('brand_new')).toMatchObject({ retryable: false, action: 'give_up' });
    expect(describeFailReason('brand_new').message).toContain('brand_new');
  });
});

describe('redaction', () => {
  it('removes tokens, upload tokens and named secrets', () => {
    const text =
      'bad token act.abc123XYZ and rft.def!456 at https://up/video/?upload_id=1&upload_token=s3cr3t secret-value-1';
    const out = redactSecrets(text, ['secret-value-1']);
    expect(out).not.toMatch(/abc123XYZ|def!456|s3cr3t|secret-value-1/);
    expect(out).toContain('upload_id=1');
  });
});
