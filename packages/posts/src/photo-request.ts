import { z } from 'zod';
import { optionalFlag, refuseOnDraft, requirePrivacyForDirect } from './draft-fields';
import {
  PHOTO_DESCRIPTION_MAX_LENGTH,
  PHOTO_MAX_COUNT,
  PHOTO_TITLE_MAX_LENGTH,
  PREPARE_MODES,
  PRIVACY_LEVELS,
} from './post-rules';
import {
  accountIdField,
  callbackUrlField,
  downloadSource,
  mediaPathSource,
  modeField,
  onDailyCapField,
  privacyLevelField,
  refuseBrandedPrivate,
  required,
  scheduledAtField,
} from './request-fields';

/** Counted in UTF-16 code units (String#length), as TikTok counts; zod's .max() counts code points. */
function text(max: number) {
  return z
    .string({ error: 'must be a string' })
    .refine((value) => value.length <= max, {
      error: (issue) =>
        `is ${String(issue.input).length} characters long; TikTok allows at most ${max} ` +
        '(counted in UTF-16 code units, so most emoji count as 2)',
    })
    .default('');
}

/** One image of a carousel: a file under MEDIA_ROOT, or a URL the worker downloads first. */
export const photoSourceSchema = z.union([mediaPathSource, downloadSource('image')], {
  error: required('must be exactly one of { "path": "..." } or { "url": "https://..." }'),
});

/**
 * Fields of the video request that TikTok's photo posts do not have (docs/tiktok-api.md,
 * Photo posts): refused with a field-level error rather than dropped, so a caller who
 * thinks they set them learns they did not.
 */
function videoOnly(what: string) {
  return z
    .unknown()
    .refine(() => false, { error: `does not exist for photo posts: ${what}` })
    .optional();
}

/**
 * What a photo draft (`post_mode: MEDIA_UPLOAD`) cannot carry: TikTok takes the title and
 * description for it, and the rest only for DIRECT_POST (docs/tiktok-api.md, Photo posts).
 */
const DIRECT_POST_ONLY = {
  privacyLevel: 'the creator chooses who can see it in the TikTok app',
  disableComment: 'the creator sets Comment in the TikTok app',
  autoAddMusic: 'the creator chooses the music in the TikTok app',
  brandContent: 'the creator sets the content disclosure in the TikTok app',
  brandOrganic: 'the creator sets the content disclosure in the TikTok app',
} as const;

/**
 * A photo post (a carousel of 1 to 35 images), as TikTok's `/v2/post/publish/content/init/`
 * takes it (docs/tiktok-api.md, Photo posts). A request is a photo post when it has `photos`.
 */
export const photoPostRequestSchema = z
  .strictObject({
    accountId: accountIdField,
    photos: z
      .array(photoSourceSchema, { error: required('must be a list of 1 to 35 images') })
      .min(1, { error: 'must hold at least 1 image' })
      .max(PHOTO_MAX_COUNT, {
        error: (issue) =>
          `holds ${(issue.input as unknown[]).length} images; TikTok takes at most ${PHOTO_MAX_COUNT}`,
      }),
    coverIndex: z
      .number({ error: 'must be a number: the index of the cover image, from 0' })
      .int({ error: 'must be a whole number' })
      .min(0, { error: 'must be 0 or more' })
      .default(0),
    title: text(PHOTO_TITLE_MAX_LENGTH),
    description: text(PHOTO_DESCRIPTION_MAX_LENGTH),
    privacyLevel: privacyLevelField,
    // No defaults on the Direct-Post-only fields: a draft must tell whether they were sent.
    disableComment: optionalFlag,
    autoAddMusic: optionalFlag,
    brandContent: optionalFlag,
    brandOrganic: optionalFlag,
    mode: modeField,
    prepare: z
      .enum(PREPARE_MODES, {
        error: "must be 'auto' (turn PNG, HEIC and oversized images into JPEGs) or 'never'",
      })
      .default('never'),
    scheduledAt: scheduledAtField,
    callbackUrl: callbackUrlField,
    onDailyCap: onDailyCapField,
    video: videoOnly('a post is either a video or photos; send one of the two'),
    caption: videoOnly('photo posts have a title (90) and a description (4000) instead'),
    disableDuet: videoOnly('TikTok has no Duet for photos'),
    disableStitch: videoOnly('TikTok has no Stitch for photos'),
    coverTimestampMs: videoOnly('choose the cover image with coverIndex'),
    isAigc: videoOnly("TikTok's photo post takes no AI-generated label"),
  })
  .superRefine((post, ctx) => {
    if (post.coverIndex >= post.photos.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['coverIndex'],
        message: `is ${post.coverIndex}, but there are only ${post.photos.length} images (indexes 0 to ${post.photos.length - 1})`,
      });
    }
    refuseOnDraft(post, DIRECT_POST_ONLY, ctx);
    requirePrivacyForDirect(post, PRIVACY_LEVELS, ctx);
    refuseBrandedPrivate(post, ctx);
  })
  // The defaults, once a draft's fields are checked.
  .transform((post) => ({
    ...post,
    disableComment: post.disableComment ?? false,
    autoAddMusic: post.autoAddMusic ?? false,
    brandContent: post.brandContent ?? false,
    brandOrganic: post.brandOrganic ?? false,
  }));

export type PhotoPostRequestInput = z.input<typeof photoPostRequestSchema>;
/** A validated photo post request, defaults filled in (the refused video fields are absent). */
export type PhotoPostRequest = Omit<
  z.output<typeof photoPostRequestSchema>,
  'video' | 'caption' | 'disableDuet' | 'disableStitch' | 'coverTimestampMs' | 'isAigc'
>;
export type PhotoSource = z.output<typeof photoSourceSchema>;

/** A request is a photo post when it carries `photos`; otherwise it is a video post. */
export function isPhotoPostInput(input: unknown): boolean {
  return typeof input === 'object' && input !== null && 'photos' in input;
}
