import type { Post } from '@tiktok-fleet/db';
import { describe, expect, test } from 'vitest';
import {
  formatValidationIssues,
  photoPostRequestSchema,
  postRequestSchema,
  toPostResource,
} from '../src';

// A draft goes to the creator's TikTok inbox with the video only (docs/tiktok-api.md, Video
// init; a photo draft with its title and description, Photo posts): the Direct Post fields
// are refused by name, as a photo post refuses the video-only ones.

const draft = { accountId: 'acc_1', video: { path: 'clips/launch.mp4' }, mode: 'draft' } as const;

function refusedFields(
  schema: typeof postRequestSchema | typeof photoPostRequestSchema,
  input: unknown,
) {
  const result = schema.safeParse(input);
  if (result.success) throw new Error('expected the request to be refused');
  const body = formatValidationIssues(result.error);
  expect(body.code).toBe('invalid_request');
  return body.details;
}

describe('a video draft', () => {
  test('needs no privacy level, and stores none of the Direct Post settings', () => {
    expect(postRequestSchema.parse(draft)).toMatchObject({
      mode: 'draft',
      caption: '',
      disableComment: false,
      disableDuet: false,
      disableStitch: false,
      brandContent: false,
      brandOrganic: false,
      isAigc: false,
    });
    expect(postRequestSchema.parse(draft).privacyLevel).toBeUndefined();
    expect(postRequestSchema.parse(draft).coverTimestampMs).toBeUndefined();
  });

  test('refuses each Direct Post field by name, whatever its value', () => {
    const details = refusedFields(postRequestSchema, {
      ...draft,
      caption: '',
      privacyLevel: 'SELF_ONLY',
      disableComment: false,
      disableDuet: true,
      disableStitch: false,
      coverTimestampMs: 1000,
      brandContent: false,
      brandOrganic: true,
      isAigc: false,
    });
    expect(details.map((d) => d.field)).toEqual([
      'caption',
      'privacyLevel',
      'disableComment',
      'disableDuet',
      'disableStitch',
      'coverTimestampMs',
      'brandContent',
      'brandOrganic',
      'isAigc',
    ]);
    expect(details[1]?.problem).toBe(
      'does not exist for drafts: the creator chooses who can see it in the TikTok app. ' +
        "Leave it out, or send the post with mode 'direct'",
    );
  });

  test('a Direct Post still needs its privacy level and keeps its settings', () => {
    const { mode: _, ...direct } = draft;
    expect(refusedFields(postRequestSchema, direct).map((d) => d.field)).toEqual(['privacyLevel']);
    expect(
      postRequestSchema.parse({
        ...direct,
        privacyLevel: 'SELF_ONLY',
        caption: 'Hi',
        isAigc: true,
      }),
    ).toMatchObject({ mode: 'direct', privacyLevel: 'SELF_ONLY', caption: 'Hi', isAigc: true });
  });
});

describe('a photo draft', () => {
  const photoDraft = {
    accountId: 'acc_1',
    photos: [{ path: 'photos/a.jpg' }],
    title: 'Sunday',
    description: 'A walk',
    mode: 'draft',
  } as const;

  test('keeps its title and description (MEDIA_UPLOAD takes them)', () => {
    expect(photoPostRequestSchema.parse(photoDraft)).toMatchObject({
      title: 'Sunday',
      description: 'A walk',
      disableComment: false,
      autoAddMusic: false,
    });
  });

  test('refuses the DIRECT_POST-only fields by name', () => {
    const details = refusedFields(photoPostRequestSchema, {
      ...photoDraft,
      privacyLevel: 'SELF_ONLY',
      disableComment: true,
      autoAddMusic: false,
      brandContent: false,
      brandOrganic: false,
    });
    expect(details.map((d) => d.field)).toEqual([
      'privacyLevel',
      'disableComment',
      'autoAddMusic',
      'brandContent',
      'brandOrganic',
    ]);
  });
});

describe('the post resource of a draft', () => {
  const at = new Date('2026-12-02T01:00:00Z');
  // A row stored before drafts refused the Direct Post fields: it still holds some.
  const row = {
    id: 'post_1',
    ownerId: 'own_1',
    accountId: 'acc_1',
    caption: '',
    privacyLevel: 'PUBLIC_TO_EVERYONE',
    disableComment: false,
    disableDuet: false,
    disableStitch: false,
    coverTimestampMs: 1500,
    brandContent: false,
    brandOrganic: false,
    isAigc: false,
    mode: 'draft',
    videoSourceKind: 'path',
    videoSource: 'clips/launch.mp4',
    photoPost: null,
    scheduledAt: null,
    callbackUrl: null,
    failWhenCapReached: false,
    idempotencyKey: null,
    prepare: null,
    status: 'published',
    publishId: 'v_inbox_file~v2.1',
    uploadUrl: null,
    uploadUrlExpiresAt: null,
    uploadedBytes: 10n,
    totalBytes: 10n,
    chunkSize: 10,
    totalChunkCount: 1,
    uploadFence: null,
    preparedVideo: null,
    preparePercent: null,
    tiktokPostId: null,
    shareUrl: null,
    errorCode: null,
    errorMessage: null,
    attemptCount: 1,
    publishedAt: at,
    createdAt: at,
    updatedAt: at,
  } as Post;

  test('shows no privacy level or cover, and nothing sent to TikTok', () => {
    expect(toPostResource(row, [])).toMatchObject({
      mode: 'draft',
      privacyLevel: null,
      coverTimestampMs: null,
      sentToTikTok: null,
    });
    // A Direct Post shows what was asked.
    expect(toPostResource({ ...row, mode: 'direct' }, [])).toMatchObject({
      privacyLevel: 'PUBLIC_TO_EVERYONE',
      coverTimestampMs: 1500,
    });
  });
});
