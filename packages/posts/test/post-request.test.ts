import { describe, expect, test } from 'vitest';
import { formatValidationIssues, type PostRequestInput, postRequestSchema } from '../src';

const valid: PostRequestInput = {
  accountId: 'acc_1',
  video: { path: 'clips/launch.mp4' },
  caption: 'Launch day #demo',
  privacyLevel: 'SELF_ONLY',
};

function problems(input: unknown) {
  const result = postRequestSchema.safeParse(input);
  if (result.success) throw new Error('expected the request to be refused');
  return formatValidationIssues(result.error);
}

describe('post request schema', () => {
  test('accepts the example of docs/architecture.md and fills in the defaults', () => {
    const post = postRequestSchema.parse({
      accountId: 'acc_1',
      video: { path: 'clips/launch.mp4' },
      caption: 'Launch day #demo',
      privacyLevel: 'SELF_ONLY',
      disableComment: false,
      disableDuet: false,
      disableStitch: false,
      coverTimestampMs: 1000,
      brandContent: false,
      brandOrganic: false,
      isAigc: false,
      mode: 'direct',
      scheduledAt: null,
      callbackUrl: 'https://backend.example/hooks/tiktok',
    });
    expect(post.onDailyCap).toBe('wait');
    expect(postRequestSchema.parse(valid)).toEqual({
      ...valid,
      disableComment: false,
      disableDuet: false,
      disableStitch: false,
      brandContent: false,
      brandOrganic: false,
      isAigc: false,
      mode: 'direct',
      scheduledAt: null,
      onDailyCap: 'wait',
    });
  });

  test('refuses an unknown field, naming it', () => {
    const body = problems({ ...valid, privacy: 'SELF_ONLY' });
    expect(body.code).toBe('invalid_request');
    expect(body.details).toEqual([{ field: 'privacy', problem: 'is not a known field' }]);
    expect(body.message).toBe('The request is not valid: privacy is not a known field.');
  });

  test('refuses an unknown field inside the video source', () => {
    const body = problems({ ...valid, video: { path: 'a.mp4', size: 3 } });
    expect(body.details).toEqual([{ field: 'video.size', problem: 'is not a known field' }]);
  });

  test('caption: 2200 UTF-16 code units pass, 2201 do not, emoji counting as 2', () => {
    const emoji = '🎬'; // one code point, two UTF-16 code units
    expect(emoji.length).toBe(2);
    const exactly = `${emoji.repeat(1099)}ab`; // 2198 + 2
    expect(exactly.length).toBe(2200);
    expect(postRequestSchema.safeParse({ ...valid, caption: exactly }).success).toBe(true);

    const over = `${emoji.repeat(1100)}a`; // 1101 code points, but 2201 code units
    expect([...over].length).toBe(1101);
    const body = problems({ ...valid, caption: over });
    expect(body.details).toEqual([
      {
        field: 'caption',
        problem:
          'is 2201 characters long; TikTok allows at most 2200 (counted in UTF-16 code units, so most emoji count as 2)',
      },
    ]);
    expect(postRequestSchema.safeParse({ ...valid, caption: 'a'.repeat(2201) }).success).toBe(
      false,
    );
  });

  test('refuses a privacy level TikTok does not have, listing the four', () => {
    const body = problems({ ...valid, privacyLevel: 'PUBLIC' });
    expect(body.details).toEqual([
      {
        field: 'privacyLevel',
        problem:
          'must be one of PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, FOLLOWER_OF_CREATOR, SELF_ONLY',
      },
    ]);
  });

  test('a missing privacy level is reported as required', () => {
    const { privacyLevel: _, ...rest } = valid;
    expect(problems(rest).details).toEqual([
      {
        field: 'privacyLevel',
        problem:
          'is required for a Direct Post: one of PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, ' +
          'FOLLOWER_OF_CREATOR, SELF_ONLY',
      },
    ]);
  });

  test('branded content cannot be SELF_ONLY', () => {
    const body = problems({ ...valid, brandContent: true, privacyLevel: 'SELF_ONLY' });
    expect(body.details).toHaveLength(1);
    expect(body.details[0]?.field).toBe('privacyLevel');
    expect(body.details[0]?.problem).toMatch(/branded content to be private/);
    // Its own brand (brandOrganic) may be private, and branded content may be public.
    expect(postRequestSchema.safeParse({ ...valid, brandOrganic: true }).success).toBe(true);
    expect(
      postRequestSchema.safeParse({
        ...valid,
        brandContent: true,
        privacyLevel: 'PUBLIC_TO_EVERYONE',
      }).success,
    ).toBe(true);
  });

  test('video must be exactly one of path, url or pullFromUrl', () => {
    for (const video of [
      { path: 'a.mp4' },
      { url: 'https://cdn.example/a.mp4' },
      { url: 'http://cdn.example/a.mp4' },
      { pullFromUrl: 'https://verified.example/a.mp4' },
    ]) {
      expect(postRequestSchema.safeParse({ ...valid, video }).success).toBe(true);
    }
    expect(problems({ ...valid, video: {} }).details[0]?.field).toBe('video');
    expect(problems({ ...valid, video: { path: 'a', url: 'https://x.example' } }).details).toEqual([
      {
        field: 'video',
        problem:
          'must be exactly one of { "path": "..." }, { "url": "https://..." } or { "pullFromUrl": "https://..." }',
      },
    ]);
    expect(
      problems({ ...valid, video: { pullFromUrl: 'http://x.example/a.mp4' } }).details,
    ).toEqual([
      {
        field: 'video.pullFromUrl',
        problem: 'must be an https URL on a domain verified with TikTok (PULL_FROM_URL)',
      },
    ]);
  });

  test('callbackUrl must be https, or http on localhost', () => {
    for (const callbackUrl of [
      'https://a.example/h',
      'http://localhost:3000/h',
      'http://127.0.0.1/h',
    ]) {
      expect(postRequestSchema.safeParse({ ...valid, callbackUrl }).success).toBe(true);
    }
    expect(problems({ ...valid, callbackUrl: 'http://a.example/h' }).details).toEqual([
      {
        field: 'callbackUrl',
        problem: 'must be an https URL (http is allowed only for localhost)',
      },
    ]);
  });

  test('other fields: cover timestamp, mode, scheduledAt, onDailyCap', () => {
    expect(problems({ ...valid, coverTimestampMs: -1 }).details[0]?.problem).toBe(
      'must be 0 or more',
    );
    expect(problems({ ...valid, coverTimestampMs: 1.5 }).details[0]?.problem).toBe(
      'must be a whole number of milliseconds',
    );
    expect(problems({ ...valid, mode: 'inbox' }).details[0]?.field).toBe('mode');
    expect(problems({ ...valid, scheduledAt: 'tomorrow' }).details[0]?.field).toBe('scheduledAt');
    expect(
      postRequestSchema.parse({ ...valid, scheduledAt: '2026-12-01T09:30:00+01:00' }).scheduledAt,
    ).toBe('2026-12-01T09:30:00+01:00');
    expect(problems({ ...valid, onDailyCap: 'skip' }).details[0]?.field).toBe('onDailyCap');
    expect(postRequestSchema.parse({ ...valid, onDailyCap: 'fail' }).onDailyCap).toBe('fail');
  });

  test('several problems are all listed, the message names the first', () => {
    const body = problems({ accountId: '', video: { path: 'a' }, privacyLevel: 'X', extra: 1 });
    expect(body.details.map((d) => d.field).sort()).toEqual(['accountId', 'extra', 'privacyLevel']);
    expect(body.message).toMatch(/^The request is not valid: .+ \(and 2 more problems\)\.$/);
  });
});

describe('prepare', () => {
  test("takes 'auto' or 'never', and leaves it out for the fleet's default", () => {
    expect(postRequestSchema.parse({ ...valid, prepare: 'auto' }).prepare).toBe('auto');
    expect(postRequestSchema.parse({ ...valid, prepare: 'never' }).prepare).toBe('never');
    expect(postRequestSchema.parse(valid).prepare).toBeUndefined();
  });

  test('refuses other values, and auto with a video TikTok pulls itself', () => {
    expect(problems({ ...valid, prepare: 'always' }).details).toEqual([
      expect.objectContaining({ field: 'prepare', problem: expect.stringContaining("'auto'") }),
    ]);
    const pulled = {
      ...valid,
      video: { pullFromUrl: 'https://cdn.example/v.mp4' },
      prepare: 'auto',
    };
    expect(problems(pulled).details).toEqual([
      expect.objectContaining({ field: 'prepare', problem: expect.stringContaining('video.url') }),
    ]);
  });
});
