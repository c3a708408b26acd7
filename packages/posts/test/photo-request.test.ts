import { describe, expect, test } from 'vitest';
import { formatValidationIssues, type PhotoPostRequestInput, photoPostRequestSchema } from '../src';

const valid: PhotoPostRequestInput = {
  accountId: 'acc_1',
  photos: [{ path: 'photos/a.jpg' }, { url: 'https://cdn.example/b.webp' }],
  privacyLevel: 'PUBLIC_TO_EVERYONE',
};

function problems(input: unknown) {
  const result = photoPostRequestSchema.safeParse(input);
  if (result.success) throw new Error('expected the request to be refused');
  return formatValidationIssues(result.error).details;
}

describe('photo post request schema', () => {
  test("takes TikTok's photo fields and fills in the defaults", () => {
    expect(photoPostRequestSchema.parse(valid)).toEqual({
      ...valid,
      coverIndex: 0,
      title: '',
      description: '',
      disableComment: false,
      autoAddMusic: false,
      brandContent: false,
      brandOrganic: false,
      mode: 'direct',
      prepare: 'never',
      scheduledAt: null,
      onDailyCap: 'wait',
    });
  });

  test('counts the title and the description in UTF-16 code units (90 and 4000)', () => {
    const emoji = '😀'; // 2 UTF-16 units
    expect(photoPostRequestSchema.safeParse({ ...valid, title: emoji.repeat(45) }).success).toBe(
      true,
    );
    expect(problems({ ...valid, title: `${emoji.repeat(45)}a` })).toEqual([
      { field: 'title', problem: expect.stringContaining('is 91 characters long') },
    ]);
    expect(problems({ ...valid, description: 'a'.repeat(4001) })[0]?.field).toBe('description');
  });

  test('takes 1 to 35 images, and a cover that is one of them', () => {
    const many = (n: number) => Array.from({ length: n }, () => ({ path: 'a.jpg' }));
    expect(photoPostRequestSchema.safeParse({ ...valid, photos: many(35) }).success).toBe(true);
    expect(problems({ ...valid, photos: many(36) })).toEqual([
      { field: 'photos', problem: 'holds 36 images; TikTok takes at most 35' },
    ]);
    expect(problems({ ...valid, photos: [] })[0]?.field).toBe('photos');
    expect(problems({ ...valid, coverIndex: 2 })).toEqual([
      { field: 'coverIndex', problem: expect.stringContaining('only 2 images') },
    ]);
    expect(problems({ ...valid, photos: [{ path: 'a.jpg' }, { file: 'b.jpg' }] })[0]?.field).toBe(
      'photos[1]',
    );
  });

  test('refuses the fields only videos have, each by name, instead of dropping them', () => {
    const fields = problems({
      ...valid,
      video: { path: 'a.mp4' },
      caption: 'x',
      disableDuet: false,
      disableStitch: true,
      coverTimestampMs: 0,
      isAigc: false,
    }).map((d) => d.field);
    expect(fields.sort()).toEqual(
      ['caption', 'coverTimestampMs', 'disableDuet', 'disableStitch', 'isAigc', 'video'].sort(),
    );
  });

  test('needs a privacy level for a Direct Post, not for a draft', () => {
    const { privacyLevel: _, ...withoutPrivacy } = valid;
    expect(problems(withoutPrivacy)[0]?.field).toBe('privacyLevel');
    expect(photoPostRequestSchema.safeParse({ ...withoutPrivacy, mode: 'draft' }).success).toBe(
      true,
    );
  });

  test('keeps branded content visible to others, as for videos', () => {
    expect(problems({ ...valid, privacyLevel: 'SELF_ONLY', brandContent: true })[0]?.field).toBe(
      'privacyLevel',
    );
  });

  test("takes prepare 'auto' or 'never'", () => {
    expect(photoPostRequestSchema.parse({ ...valid, prepare: 'auto' }).prepare).toBe('auto');
    expect(problems({ ...valid, prepare: 'always' })[0]?.field).toBe('prepare');
  });
});
