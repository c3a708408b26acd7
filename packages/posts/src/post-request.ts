import { z } from 'zod';
import { optionalFlag, refuseOnDraft, requirePrivacyForDirect } from './draft-fields';
import { CAPTION_MAX_LENGTH, PREPARE_MODES, PRIVACY_LEVELS } from './post-rules';
import {
  accountIdField,
  callbackUrlField,
  downloadSource,
  mediaPathSource,
  modeField,
  onDailyCapField,
  parseUrl,
  privacyLevelField,
  refuseBrandedPrivate,
  required,
  scheduledAtField,
} from './request-fields';

/** TikTok's `video_cover_timestamp_ms` is an int32. */
const COVER_TIMESTAMP_MAX = 2_147_483_647;

const pullFromUrlSource = z.strictObject({
  pullFromUrl: z
    .string({ error: required('must be a string: an https URL') })
    .refine((u) => parseUrl(u)?.protocol === 'https:', {
      error: 'must be an https URL on a domain verified with TikTok (PULL_FROM_URL)',
    }),
});

/** Where the video comes from: exactly one of the three forms. */
export const videoSourceSchema = z.union(
  [mediaPathSource, downloadSource('video'), pullFromUrlSource],
  {
    error: required(
      'must be exactly one of { "path": "..." }, { "url": "https://..." } or { "pullFromUrl": "https://..." }',
    ),
  },
);

/**
 * What a draft cannot carry: TikTok's inbox init takes the video only, no `post_info`
 * (docs/tiktok-api.md, Video init). Each says where the creator sets it instead.
 */
const DIRECT_POST_ONLY = {
  caption: "TikTok's inbox upload takes no caption; the creator writes it in the TikTok app",
  privacyLevel: 'the creator chooses who can see it in the TikTok app',
  disableComment: 'the creator sets Comment, Duet and Stitch in the TikTok app',
  disableDuet: 'the creator sets Comment, Duet and Stitch in the TikTok app',
  disableStitch: 'the creator sets Comment, Duet and Stitch in the TikTok app',
  coverTimestampMs: 'the creator picks the cover in the TikTok app',
  brandContent: 'the creator sets the content disclosure in the TikTok app',
  brandOrganic: 'the creator sets the content disclosure in the TikTok app',
  isAigc: 'the creator sets the AI-generated label in the TikTok app',
} as const;

/**
 * The public post request (docs/architecture.md, A post request), camelCase JSON. Unknown fields
 * are refused, so a misspelt option fails loudly instead of being ignored.
 */
export const postRequestSchema = z
  .strictObject({
    accountId: accountIdField,
    video: videoSourceSchema,
    caption: z
      .string({ error: 'must be a string' })
      // Not .max(): zod 4.6 counts code points there, and TikTok counts UTF-16 code units.
      .refine((caption) => caption.length <= CAPTION_MAX_LENGTH, {
        error: (issue) =>
          `is ${String(issue.input).length} characters long; TikTok allows at most ` +
          `${CAPTION_MAX_LENGTH} (counted in UTF-16 code units, so most emoji count as 2)`,
      })
      .optional(),
    privacyLevel: privacyLevelField,
    // No defaults on the Direct-Post-only fields: a draft must tell whether they were sent.
    // The transform at the end fills them in.
    disableComment: optionalFlag,
    disableDuet: optionalFlag,
    disableStitch: optionalFlag,
    coverTimestampMs: z
      .number({ error: 'must be a number of milliseconds' })
      .int({ error: 'must be a whole number of milliseconds' })
      .min(0, { error: 'must be 0 or more' })
      .max(COVER_TIMESTAMP_MAX, { error: `must be at most ${COVER_TIMESTAMP_MAX}` })
      .optional(),
    brandContent: optionalFlag,
    brandOrganic: optionalFlag,
    isAigc: optionalFlag,
    mode: modeField,
    scheduledAt: scheduledAtField,
    callbackUrl: callbackUrlField,
    onDailyCap: onDailyCapField,
    // Left out: the fleet's PREPARE_DEFAULT decides when the worker gets to the post.
    prepare: z
      .enum(PREPARE_MODES, {
        error:
          "must be 'auto' (convert a file TikTok would refuse, e.g. AVI or 10-bit HEVC, with " +
          "ffmpeg) or 'never' (upload the file as it is)",
      })
      .optional(),
  })
  .superRefine((post, ctx) => {
    refuseOnDraft(post, DIRECT_POST_ONLY, ctx);
    requirePrivacyForDirect(post, PRIVACY_LEVELS, ctx);
    if (post.prepare === 'auto' && 'pullFromUrl' in post.video) {
      ctx.addIssue({
        code: 'custom',
        path: ['prepare'],
        message:
          "cannot be 'auto' with video.pullFromUrl: TikTok downloads that file itself, so the " +
          'fleet never holds it to convert. Send it as video.url (or a path) instead',
      });
    }
    refuseBrandedPrivate(post, ctx);
  })
  // The defaults, once a draft's fields are checked: a draft stores none of them as asked.
  .transform((post) => ({
    ...post,
    caption: post.caption ?? '',
    disableComment: post.disableComment ?? false,
    disableDuet: post.disableDuet ?? false,
    disableStitch: post.disableStitch ?? false,
    brandContent: post.brandContent ?? false,
    brandOrganic: post.brandOrganic ?? false,
    isAigc: post.isAigc ?? false,
  }));

/** A post request as a caller sends it (defaults may be left out). */
export type PostRequestInput = z.input<typeof postRequestSchema>;
/** A validated post request, with every default filled in. */
export type PostRequest = z.output<typeof postRequestSchema>;
export type VideoSource = z.output<typeof videoSourceSchema>;
