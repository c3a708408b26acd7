import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context';
import { notFound } from '../errors';
import { errorResponses, errorSchema, idParams } from '../schemas';
import { postingOptions } from '../services/posting-options';

const labelled = z.object({ label: z.string(), description: z.string() });

const postingOptionsSchema = z
  .object({
    accountId: z.string(),
    creator: z.object({
      nickname: z
        .string()
        .nullable()
        .describe('show it on the posting screen (TikTok requires it)'),
      username: z.string().nullable(),
      avatarUrl: z.string().nullable(),
      privacyLevelOptions: z
        .array(z.string())
        .describe('the privacy dropdown, with no default choice'),
      commentDisabled: z.boolean().nullable(),
      duetDisabled: z.boolean().nullable(),
      stitchDisabled: z.boolean().nullable(),
      maxVideoPostDurationSec: z.number().int().nullable(),
      fetchedAt: z
        .string()
        .nullable()
        .describe('when TikTok said so: now, or earlier when it could not be asked'),
    }),
    canPost: z.boolean(),
    cannotPost: z
      .object({
        code: z
          .string()
          .describe(
            'daily_cap_reached, account_needs_reauth, account_revoked, spam_risk_too_many_posts, spam_risk_user_banned_from_posting, reached_active_user_cap, scope_not_authorized',
          ),
        message: z.string(),
        retryAt: z.string().nullable(),
      })
      .nullable(),
    uploadInProgress: z
      .boolean()
      .describe('a post of this account is uploading now; new posts queue behind it'),
    dailyCap: z.object({
      cap: z.number().int(),
      used: z.number().int(),
      nextSlotAt: z.string().nullable().describe('when a slot frees, if the window is full'),
    }),
    rules: z.object({
      minDurationSec: z.number(),
      maxDurationSec: z.number(),
      captionMaxLength: z.number().int().describe('counted in UTF-16 code units'),
      formats: z.array(z.string()),
      maxBytes: z.number().int(),
    }),
    photoRules: z.object({
      available: z.boolean().describe('false until MEDIA_PUBLIC_BASE_URL is set'),
      maxCount: z.number().int(),
      titleMaxLength: z.number().int().describe('counted in UTF-16 code units'),
      descriptionMaxLength: z.number().int(),
      formats: z.array(z.string()),
      preparable: z.array(z.string()).describe('turned into JPEG with prepare: auto'),
      maxBytes: z.number().int(),
      maxLongerSidePx: z.number().int(),
    }),
    texts: z.object({
      commercialToggle: z.string(),
      commercialPrompt: z.string(),
      incompleteDisclosure: z.string(),
      yourBrand: labelled,
      brandedContent: labelled,
      promotionalLabel: z.string(),
      paidPartnershipLabel: z.string(),
      interactionDisabled: z.string().describe('beside a greyed Allow Comment, Duet or Stitch'),
      brandedNotPrivate: z.string(),
      declarationDefault: z.string(),
      declarationBranded: z.string(),
      processingNotice: z.string(),
      links: z.object({ musicUsage: z.string(), brandedContentPolicy: z.string() }),
    }),
  })
  .meta({ id: 'PostingOptions' });

export async function postingOptionsRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }) {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/accounts/:id/posting-options',
    {
      schema: {
        summary: 'What a posting screen for this account must offer now',
        description:
          "Fresh creator info from TikTok (counted against the account's creator_info " +
          'limit, shared with the workers), whether the account can post now and why not ' +
          "(its status, TikTok's spam and cap codes, the daily cap with the time a slot " +
          'frees), whether an upload is running, the video rules, and the disclosure and ' +
          "declaration texts of TikTok's Direct Post rules. `429` with Retry-After when the " +
          'limit says wait; `502 tiktok_unavailable` when TikTok does not answer.',
        tags: ['accounts'],
        params: idParams,
        response: {
          200: postingOptionsSchema,
          429: errorSchema,
          502: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const account = await ctx.accounts.get(request.params.id, { ownerId: request.ownerId });
      if (!account) throw notFound('account', request.params.id);
      reply.header('cache-control', 'no-store');
      return postingOptions(ctx, account, request.log);
    },
  );
}
