import { finalStatuses, PostStatus, PrepareMode, PrivacyLevel } from '@tiktok-fleet/db';
import { describe, expect, test } from 'vitest';
import { FINAL_STATUSES, POST_STATUSES, PREPARE_MODES, PRIVACY_LEVELS } from '../src/post-rules';

// post-rules.ts imports nothing so the browser can use it; the database schema has the same
// lists as enums. A status or privacy level added on one side only would be refused by the
// other (a failed insert, or a request the API turns away), so the two must agree.
describe('the post vocabulary matches the database enums', () => {
  test('POST_STATUSES is the post_status enum, in order', () => {
    expect([...POST_STATUSES]).toEqual(Object.values(PostStatus));
  });

  // The repository's transitions refuse to move a post out of a final status; that guard
  // sits in the database package, which cannot import this one (posts depends on db).
  test('FINAL_STATUSES are the statuses the repository never moves a post out of', () => {
    expect([...finalStatuses].sort()).toEqual([...FINAL_STATUSES].sort());
  });

  test('PRIVACY_LEVELS is the privacy_level enum, in order', () => {
    expect([...PRIVACY_LEVELS]).toEqual(Object.values(PrivacyLevel));
  });

  test('PREPARE_MODES is the prepare_mode enum, in order', () => {
    expect([...PREPARE_MODES]).toEqual(Object.values(PrepareMode));
  });
});
