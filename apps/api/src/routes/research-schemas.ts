import {
  MAX_RESEARCH_COUNT,
  RESEARCH_CONDITION_FIELDS,
  RESEARCH_OPERATIONS,
  RESEARCH_VIDEO_FIELDS,
} from '@tiktok-fleet/tiktok';
import { z } from 'zod';

const day = z
  .string()
  .regex(/^\d{4}-?\d{2}-?\d{2}$/, { error: 'expected a UTC day, YYYY-MM-DD (or YYYYMMDD)' });

const condition = z
  .object({
    operation: z.enum(RESEARCH_OPERATIONS),
    fieldName: z.enum(RESEARCH_CONDITION_FIELDS),
    fieldValues: z.array(z.string().min(1).max(500)).min(1).max(100),
  })
  .strict();

const conditions = z.array(condition).max(50).optional();

export const researchQueryBodySchema = z
  .object({
    query: z
      .object({ and: conditions, or: conditions, not: conditions })
      .strict()
      .refine((q) => (q.and?.length ?? 0) + (q.or?.length ?? 0) + (q.not?.length ?? 0) > 0, {
        error: 'needs at least one condition in and, or or not',
      })
      .describe("TikTok's query: lists of { operation, fieldName, fieldValues }"),
    startDate: day.describe('first UTC day of video creation, included'),
    endDate: day.describe(
      'last UTC day, included; a range over 31 days is asked as 31-day windows, newest first',
    ),
    maxCount: z
      .number()
      .int()
      .min(1)
      .max(MAX_RESEARCH_COUNT)
      .default(MAX_RESEARCH_COUNT)
      .describe('videos per page (TikTok may answer fewer)'),
    fields: z.array(z.enum(RESEARCH_VIDEO_FIELDS)).min(1).optional(),
    isRandom: z.boolean().optional(),
    cursor: z
      .string()
      .max(2000)
      .optional()
      .describe('nextCursor of the previous page, with the same query'),
  })
  .strict()
  .meta({ id: 'ResearchVideoQuery' });

export type ResearchQueryBody = z.infer<typeof researchQueryBodySchema>;

const counter = z.object({
  used: z.number().int(),
  limit: z.number().int(),
  remaining: z.number().int(),
});

export const researchBudgetSchema = z
  .object({
    day: z.string().describe('the UTC day counted, YYYY-MM-DD'),
    requests: counter,
    records: counter,
    resetsAt: z.string().describe('the next 00:00 UTC'),
  })
  .meta({ id: 'ResearchBudget' });

export const researchVideoPageSchema = z
  .object({
    videos: z.array(z.looseObject({ id: z.string() })),
    nextCursor: z.string().nullable().describe('send it back for the next page; null at the end'),
    window: z.object({
      startDate: z.string(),
      endDate: z.string(),
      index: z.number().int().describe('0 is the newest window'),
      count: z.number().int(),
    }),
    budget: researchBudgetSchema,
  })
  .meta({ id: 'ResearchVideoPage' });

export const researchUserSchema = z
  .looseObject({ username: z.string(), budget: researchBudgetSchema })
  .meta({ id: 'ResearchUser' });

export const researchUserParamsSchema = z.object({
  username: z.string().regex(/^@?[A-Za-z0-9._]{1,64}$/, {
    error: 'expected a TikTok username: letters, digits, "_" and ".", at most 64',
  }),
});
