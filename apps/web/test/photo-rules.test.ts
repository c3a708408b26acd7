import { describe, expect, test } from 'vitest';
import {
  type PhotoFacts,
  type PhotoFormState,
  photoBlockers,
  photoVerdict,
} from '../src/photo-rules';
import type { PostingOptions } from '../src/types';

const options = (available = true) =>
  ({
    canPost: true,
    cannotPost: null,
    photoRules: {
      available,
      maxCount: 35,
      titleMaxLength: 90,
      descriptionMaxLength: 4000,
      formats: ['image/jpeg', 'image/webp'],
      preparable: ['image/png', 'image/heic', 'image/heif'],
      maxBytes: 20_000_000,
      maxLongerSidePx: 1080,
    },
    texts: { incompleteDisclosure: 'Choose a kind.', brandedNotPrivate: 'Not private.' },
  }) as unknown as PostingOptions;

const jpeg: PhotoFacts = {
  name: 'a.jpg',
  type: 'image/jpeg',
  size: 1000,
  width: 1080,
  height: 720,
};
const form: PhotoFormState = {
  photos: [jpeg],
  title: '',
  description: '',
  privacy: 'SELF_ONLY',
  prepare: false,
};

describe("the posting form's photo rules", () => {
  test('a JPEG or WebP within 1080 px goes as it is; PNG and larger ones are converted', () => {
    expect(photoVerdict(options(), jpeg)).toEqual({ kind: 'ok' });
    expect(photoVerdict(options(), { ...jpeg, type: 'image/png' }).kind).toBe('prepare');
    expect(photoVerdict(options(), { ...jpeg, width: 1081 }).kind).toBe('prepare');
    expect(photoVerdict(options(), { ...jpeg, type: 'image/gif' }).kind).toBe('bad');
  });

  test('names the photo by its place, and asks to allow converting it', () => {
    const photos = [jpeg, { ...jpeg, type: 'image/png' }];
    expect(photoBlockers(options(), { ...form, photos })).toEqual([
      'Photo 2: PNG becomes a JPEG; allow converting it to JPEG.',
    ]);
    expect(photoBlockers(options(), { ...form, photos, prepare: true })).toEqual([]);
  });

  test('1 to 35 photos, a title of 90 and a privacy level chosen by the creator', () => {
    expect(photoBlockers(options(), { ...form, photos: [] })).toContain('Choose 1 to 35 photos.');
    const many = Array.from({ length: 36 }, () => jpeg);
    expect(photoBlockers(options(), { ...form, photos: many })[0]).toMatch(/at most 35/);
    expect(photoBlockers(options(), { ...form, title: '😀'.repeat(46) })).toEqual([
      'The title is longer than 90 characters.',
    ]);
    expect(photoBlockers(options(), { ...form, privacy: '' })).toEqual([
      'Choose who can see these photos.',
    ]);
  });

  test('the disclosure as for a video: a kind chosen, and branded content never private', () => {
    const on = { on: true, yourBrand: false, brandedContent: false };
    expect(photoBlockers(options(), { ...form, disclosure: on })).toEqual(['Choose a kind.']);
    const branded = { ...on, brandedContent: true };
    expect(photoBlockers(options(), { ...form, disclosure: branded })).toEqual(['Not private.']);
    expect(
      photoBlockers(options(), { ...form, privacy: 'PUBLIC_TO_EVERYONE', disclosure: branded }),
    ).toEqual([]);
    // A draft carries no disclosure: the creator sets it in the TikTok app.
    expect(photoBlockers(options(), { ...form, disclosure: on, draft: true })).toEqual([]);
  });

  test('says so when the fleet cannot host photos', () => {
    expect(photoBlockers(options(false), form)[0]).toMatch(/MEDIA_PUBLIC_BASE_URL/);
  });
});
