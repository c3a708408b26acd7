import { VideoValidationError } from '@tiktok-fleet/media';
import { LeaseLostError } from '@tiktok-fleet/queue';
import { TikTokApiError } from '@tiktok-fleet/tiktok';
import { DelayedError } from 'bullmq';
import { describe, expect, test } from 'vitest';
import { DeferRequest, PostCanceled, PostFailure } from '../src/errors';
import { type ErrorFacts, outcomeOf } from '../src/publish/error-outcome';

const facts: ErrorFacts = {
  shuttingDown: false,
  leaseLost: false,
  failOnDailyCap: false,
  busyDelayMs: () => 1234,
  infrastructureDelayMs: () => 567,
};
const tiktok = (code: string) =>
  new TikTokApiError({ code, endpoint: '/v2/post/publish/video/init/' });

describe("the publish job's error policy", () => {
  test.each([
    ['internal_error', 'retry'],
    ['upload_failed', 'retry'],
    ['access_token_invalid', 'retry'],
    ['rate_limit_exceeded', 'defer'],
    ['spam_risk_too_many_posts', 'defer'],
    ['reached_active_user_cap', 'defer'],
    ['scope_not_authorized', 'fail'],
    ['invalid_grant', 'fail'],
    ['privacy_level_option_mismatch', 'fail'],
    ['spam_risk_user_banned_from_posting', 'fail'],
    ['a_code_nobody_documented', 'fail'],
  ])('TikTok %s → %s', (code, kind) => {
    expect(outcomeOf(tiktok(code), facts).kind).toBe(kind);
  });

  test("TikTok's daily cap fails the post when it asked to, and frees its slot when it waits", () => {
    const waits = outcomeOf(tiktok('spam_risk_too_many_posts'), facts);
    expect(waits).toMatchObject({ kind: 'defer', releaseSlot: true });
    expect(waits.kind === 'defer' && waits.request.delayMs).toBe(3600_000);
    const fails = outcomeOf(tiktok('spam_risk_too_many_posts'), { ...facts, failOnDailyCap: true });
    expect(fails).toMatchObject({ kind: 'fail', failure: { code: 'spam_risk_too_many_posts' } });
  });

  test('a revoked permission marks the account; the failure keeps TikTok’s code', () => {
    expect(outcomeOf(tiktok('scope_not_authorized'), facts)).toMatchObject({
      kind: 'fail',
      failure: { code: 'scope_not_authorized' },
      reauthorize: 'TikTok refused it (scope_not_authorized)',
    });
  });

  test('the worker’s own signals', () => {
    expect(outcomeOf(new DelayedError(), facts).kind).toBe('rethrow');
    expect(outcomeOf(new PostCanceled('post_1'), facts).kind).toBe('canceled');
    expect(outcomeOf(new PostFailure('video_not_found', 'gone'), facts)).toMatchObject({
      kind: 'fail',
      failure: { code: 'video_not_found', message: 'gone' },
    });
    const invalid = new VideoValidationError('video_empty', 'empty', { sizeBytes: 0 });
    expect(outcomeOf(invalid, facts)).toMatchObject({
      kind: 'fail',
      failure: { code: 'video_empty', details: { sizeBytes: 0 } },
    });
    const busy = outcomeOf(new LeaseLostError('upload', 'acc_1', 'taken'), facts);
    expect(busy.kind === 'defer' && busy.request.delayMs).toBe(1234);
    expect(outcomeOf(new DeferRequest(50, 'account_busy', 'later'), facts).kind).toBe('defer');
    expect(outcomeOf(new Error('socket hang up'), facts).kind).toBe('retry');
  });

  test('PostgreSQL or Redis out of reach waits without spending an attempt; a refused query still retries', () => {
    // What pg-pool raises when the connection is cut mid-query, and Prisma when it cannot connect.
    const cut = new Error('Connection terminated unexpectedly');
    const waited = outcomeOf(cut, facts);
    expect(waited).toMatchObject({ kind: 'defer' });
    expect(waited.kind === 'defer' && waited.request.code).toBe('infrastructure_unavailable');
    expect(waited.kind === 'defer' && waited.request.delayMs).toBe(567);
    const redis = Object.assign(new Error('Reached the max retries per request limit'), {
      name: 'MaxRetriesPerRequestError',
    });
    expect(outcomeOf(redis, facts).kind).toBe('defer');
    expect(outcomeOf(new Error('relation "posts" does not exist'), facts).kind).toBe('retry');
    // A shutdown still wins: the job goes back at once.
    expect(outcomeOf(cut, { ...facts, shuttingDown: true }).kind).toBe('requeue');
  });

  test('a shutdown requeues whatever was interrupted, but a real failure still fails', () => {
    const down = { ...facts, shuttingDown: true };
    expect(outcomeOf(tiktok('aborted'), down).kind).toBe('requeue');
    expect(outcomeOf(new Error('aborted'), down).kind).toBe('requeue');
    expect(outcomeOf(new PostFailure('video_empty', 'empty'), down).kind).toBe('fail');
    expect(outcomeOf(tiktok('aborted'), { ...facts, leaseLost: true }).kind).toBe('defer');
  });
});
