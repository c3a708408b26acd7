import { z } from 'zod';
import { PRIVACY_LEVELS } from './post-rules';

/**
 * The request fields a video post and a photo post share, checked the same way for both
 * (post-request.ts, photo-request.ts): one rule each, so a fix to one reaches the other.
 */

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** "is required" for a missing field, `otherwise` for a wrong one. */
export function required(otherwise: string) {
  return (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : otherwise);
}

export function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** A file under MEDIA_ROOT: `{ "path": "..." }`. */
export const mediaPathSource = z.strictObject({
  path: z
    .string({ error: required('must be a string: a file path under MEDIA_ROOT') })
    .min(1, { error: 'must not be empty' })
    .max(1024, { error: 'must be at most 1024 characters long' })
    .refine((p) => !p.includes('\0'), { error: 'must not contain a NUL character' }),
});

/** A URL the worker downloads first: `{ "url": "..." }`; `what` is a video or an image. */
export const downloadSource = (what: string) =>
  z.strictObject({
    url: z
      .string({ error: required('must be a string: an http or https URL') })
      .refine((u) => ['http:', 'https:'].includes(parseUrl(u)?.protocol ?? ''), {
        error: `must be an http or https URL the worker can download the ${what} from`,
      }),
  });

export const accountIdField = z
  .string({ error: required('must be a string: the id of a connected account') })
  .min(1, { error: 'must not be empty' })
  .max(128, { error: 'must be at most 128 characters long' });

// Required for a Direct Post, refused on a draft (draft-fields.ts).
export const privacyLevelField = z
  .enum(PRIVACY_LEVELS, { error: `must be one of ${PRIVACY_LEVELS.join(', ')}` })
  .optional()
  .describe('Required for a Direct Post; refused on a draft (the creator chooses in the app)');

export const modeField = z
  .enum(['direct', 'draft'], {
    error: "must be 'direct' (Direct Post) or 'draft' (the creator's inbox)",
  })
  .default('direct');

export const scheduledAtField = z.iso
  .datetime({
    offset: true,
    error: 'must be an ISO 8601 date and time with a time zone, e.g. 2026-12-01T09:30:00Z',
  })
  .nullable()
  .default(null);

export const callbackUrlField = z
  .string({ error: 'must be a string: an https URL' })
  // The URL parser would drop a CR, LF or tab silently; the URL as sent must be clean.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are the point
  .refine((u) => !/[\x00-\x1f\x7f]/.test(u), {
    error: 'must not contain control characters (CR, LF, tab, NUL, …)',
    abort: true,
  })
  .refine(
    (u) => {
      const url = parseUrl(u);
      return (
        url?.protocol === 'https:' || (url?.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname))
      );
    },
    { error: 'must be an https URL (http is allowed only for localhost)' },
  )
  .optional();

export const onDailyCapField = z
  .enum(['wait', 'fail'], {
    error: "must be 'wait' (hold the post until the 24-hour window has room) or 'fail'",
  })
  .default('wait');

/** TikTok's rule (docs/tiktok-api.md, Posting screen rules): a paid partnership must be visible to others. */
export function refuseBrandedPrivate(
  post: { brandContent?: boolean; privacyLevel?: string },
  ctx: z.RefinementCtx,
): void {
  if (!post.brandContent || post.privacyLevel !== 'SELF_ONLY') return;
  ctx.addIssue({
    code: 'custom',
    path: ['privacyLevel'],
    message:
      'cannot be SELF_ONLY when brandContent is true: TikTok does not allow branded ' +
      'content to be private. Choose another privacy level or turn brandContent off',
  });
}
