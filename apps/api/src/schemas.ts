import { postResourceSchema } from '@tiktok-fleet/posts';
import { z } from 'zod';

/** The one error shape of the API (docs/architecture.md, Errors). */
export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().describe('stable, e.g. invalid_request, post_not_found'),
      message: z.string().describe('for a person: what happened and what to do'),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' });

/** The error responses every authenticated route may give. */
export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  404: errorSchema,
  409: errorSchema,
  500: errorSchema,
  503: errorSchema,
} as const;

export const createdPostSchema = postResourceSchema
  .extend({ statusUrl: z.string().describe('GET this for the post’s progress') })
  .meta({ id: 'CreatedPost' });

export const postListSchema = z
  .object({
    posts: z.array(postResourceSchema),
    nextCursor: z.string().nullable().describe('pass as `cursor` for the next page'),
  })
  .meta({ id: 'PostList' });

export const idParams = z.object({ id: z.string().min(1).max(128) });

export const accountSchema = z
  .object({
    id: z.string(),
    ownerId: z.string(),
    openId: z.string().describe("TikTok's id of the user for this app"),
    unionId: z.string().nullable(),
    displayName: z.string().nullable(),
    username: z.string().nullable(),
    avatarUrl: z.string().nullable(),
    grantedScopes: z.array(z.string()),
    status: z.enum(['active', 'needs_reauth', 'revoked']),
    statusReason: z.string().nullable(),
    accessTokenExpiresAt: z.string().nullable(),
    creator: z.object({
      nickname: z.string().nullable(),
      avatarUrl: z.string().nullable(),
      privacyLevelOptions: z.array(z.string()),
      commentDisabled: z.boolean().nullable(),
      duetDisabled: z.boolean().nullable(),
      stitchDisabled: z.boolean().nullable(),
      maxVideoPostDurationSec: z.number().int().nullable(),
      fetchedAt: z.string().nullable(),
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
    postsLast24h: z
      .number()
      .int()
      .describe("posts in the fleet's rolling 24 h window (they count against dailyCap)"),
    dailyCap: z.number().int().describe('posts allowed in any 24 h (DAILY_POST_CAP)'),
    uploadInProgress: z
      .boolean()
      .describe("a worker is uploading one of this account's posts; others wait behind it"),
  })
  .meta({ id: 'Account' });
