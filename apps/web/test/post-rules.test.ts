import { describe, expect, test } from 'vitest';
import {
  brandedContentDisabled,
  captionLength,
  declarationOf,
  disclosureComplete,
  type FormState,
  privacyOptionDisabled,
  submitBlockers,
  videoProblem,
} from '../src/post-rules';
import type { PostingOptions } from '../src/types';

const options = (overrides: Partial<PostingOptions> = {}): PostingOptions => ({
  accountId: 'acc_1',
  creator: {
    nickname: 'Creator',
    username: 'creator',
    avatarUrl: null,
    privacyLevelOptions: ['PUBLIC_TO_EVERYONE', 'SELF_ONLY'],
    commentDisabled: false,
    duetDisabled: true,
    stitchDisabled: false,
    maxVideoPostDurationSec: 60,
  },
  canPost: true,
  cannotPost: null,
  uploadInProgress: false,
  dailyCap: { cap: 10, used: 0, nextSlotAt: null },
  rules: {
    minDurationSec: 3,
    maxDurationSec: 600,
    captionMaxLength: 10,
    formats: ['video/mp4'],
    maxBytes: 1000,
  },
  photoRules: {
    available: true,
    maxCount: 35,
    titleMaxLength: 90,
    descriptionMaxLength: 4000,
    formats: ['image/jpeg', 'image/webp'],
    preparable: ['image/png', 'image/heic', 'image/heif'],
    maxBytes: 20_000_000,
    maxLongerSidePx: 1080,
  },
  texts: {
    commercialToggle: 'toggle',
    commercialPrompt: 'prompt',
    incompleteDisclosure: 'incomplete',
    yourBrand: { label: 'Your brand', description: '' },
    brandedContent: { label: 'Branded content', description: '' },
    brandedNotPrivate: 'not private',
    declarationDefault: 'default declaration',
    declarationBranded: 'branded declaration',
    processingNotice: 'processing',
    promotionalLabel: 'promotional',
    paidPartnershipLabel: 'paid partnership',
    interactionDisabled: 'off in settings',
    links: { musicUsage: 'https://music', brandedContentPolicy: 'https://bc' },
  },
  ...overrides,
});

const video = { type: 'video/mp4', size: 500, durationSec: 5, unreadable: false };
const ready: FormState = {
  privacy: 'PUBLIC_TO_EVERYONE',
  disclosure: { on: false, yourBrand: false, brandedContent: false },
  caption: 'hi',
  video,
};

describe('the Direct Post rules of the form', () => {
  test('a caption counts UTF-16 code units, as TikTok does', () => {
    expect(captionLength('🎬')).toBe(2);
    expect(submitBlockers(options(), { ...ready, caption: '🎬🎬🎬🎬🎬x' })).toEqual([
      'The caption is longer than 10 characters.',
    ]);
  });

  test('nothing can be posted before a privacy level is chosen', () => {
    expect(submitBlockers(options(), ready)).toEqual([]);
    expect(submitBlockers(options(), { ...ready, privacy: '' })).toEqual([
      'Choose who can see this video.',
    ]);
  });

  test('with the disclosure on, one of the two must be chosen', () => {
    const on = { on: true, yourBrand: false, brandedContent: false };
    expect(disclosureComplete(on)).toBe(false);
    expect(submitBlockers(options(), { ...ready, disclosure: on })).toEqual(['incomplete']);
    expect(disclosureComplete({ ...on, yourBrand: true })).toBe(true);
    expect(disclosureComplete({ ...on, brandedContent: true })).toBe(true);
  });

  test('branded content and "only me" exclude each other', () => {
    const branded = { on: true, yourBrand: false, brandedContent: true };
    expect(privacyOptionDisabled('SELF_ONLY', branded)).toBe(true);
    expect(privacyOptionDisabled('PUBLIC_TO_EVERYONE', branded)).toBe(false);
    expect(privacyOptionDisabled('SELF_ONLY', { ...branded, brandedContent: false })).toBe(false);
    expect(brandedContentDisabled('SELF_ONLY')).toBe(true);
    expect(brandedContentDisabled('')).toBe(false);
  });

  test('the declaration names the Branded Content Policy only with branded content', () => {
    const off = declarationOf(options(), ready.disclosure);
    expect(off.text).toBe('default declaration');
    expect(off.links.map((l) => l.href)).toEqual(['https://music']);
    const on = declarationOf(options(), { on: true, yourBrand: true, brandedContent: true });
    expect(on.text).toBe('branded declaration');
    expect(on.links.map((l) => l.href)).toEqual(['https://bc', 'https://music']);
  });

  test('a video is checked against the creator’s maximum and the fleet’s rules', () => {
    expect(videoProblem(options(), video)).toBeNull();
    expect(videoProblem(options(), { ...video, durationSec: 61 })).toBe(
      'This video is 61 s long; this creator can post at most 60 s.',
    );
    const roomy = options();
    roomy.creator.maxVideoPostDurationSec = 900;
    expect(videoProblem(roomy, { ...video, durationSec: 601 })).toBe(
      'This video is 601 s long; the fleet posts at most 600 s.',
    );
    expect(videoProblem(options(), { ...video, durationSec: 2 })).toMatch(/at least 3 s/);
    expect(videoProblem(options(), { ...video, type: 'video/x-msvideo' })).toMatch(
      /TikTok takes video\/mp4/,
    );
    expect(videoProblem(options(), { ...video, size: 1001 })).toMatch(/at most 1000 bytes/);
    expect(videoProblem(options(), { ...video, size: 0 })).toBe('This file is empty.');
    expect(videoProblem(options(), { ...video, durationSec: null, unreadable: true })).toBe(
      'This browser cannot read this file as a video.',
    );
  });

  test('a time to post at must be in the future', () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    expect(
      submitBlockers(options(), { ...ready, scheduledAt: new Date(now + 60_000) }, now),
    ).toEqual([]);
    expect(submitBlockers(options(), { ...ready, scheduledAt: new Date(now - 1) }, now)).toEqual([
      'The time to post at has passed: choose a later one, or none to post now.',
    ]);
  });

  test('a creator who cannot post blocks the form with the reason', () => {
    const blocked = options({
      canPost: false,
      cannotPost: { code: 'spam_risk_too_many_posts', message: 'Try later.', retryAt: null },
    });
    expect(submitBlockers(blocked, ready)).toEqual(['Try later.']);
  });
});
