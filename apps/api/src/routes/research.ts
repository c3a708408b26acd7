import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiContext } from '../context';
import { ApiError } from '../errors';
import { errorResponses, errorSchema } from '../schemas';
import { budgetHeaders } from './research-errors';
import {
  researchQueryBodySchema,
  researchUserParamsSchema,
  researchUserSchema,
  researchVideoPageSchema,
} from './research-schemas';
import { createResearchService } from './research-service';

const researchErrors = { ...errorResponses, 403: errorSchema, 429: errorSchema, 502: errorSchema };

/**
 * The Research API spends one budget for the whole research organisation, so only the
 * operator may call it: an API key of OPERATOR_OWNER_ID, or the operator's session.
 */
function requireOperator(ctx: ApiContext, request: FastifyRequest): void {
  if (request.ownerId !== ctx.config.OPERATOR_OWNER_ID) {
    throw new ApiError(
      403,
      'operator_only',
      `The Research API is for the operator: use an API key of the owner "${ctx.config.OPERATOR_OWNER_ID}" (OPERATOR_OWNER_ID), made with tiktok-fleet keys create --owner ${ctx.config.OPERATOR_OWNER_ID}.`,
    );
  }
}

export async function researchRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }) {
  const research = createResearchService(ctx);
  app.addHook('onClose', async () => research.close());
  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.post(
    '/v1/research/videos/query',
    {
      schema: {
        summary: "One page of TikTok's Research API video query (operator only)",
        description:
          'Pass nextCursor back for the next page. Ranges over 31 days are walked in windows, newest first. Every answer carries the daily budget in x-research-* headers; a spent budget answers 429 research_budget_exhausted with Retry-After, without calling TikTok.',
        tags: ['research'],
        body: researchQueryBodySchema,
        response: { 200: researchVideoPageSchema, ...researchErrors },
      },
    },
    async (request, reply) => {
      requireOperator(ctx, request);
      const { usage, body } = await research.queryVideos(request.body);
      return reply.headers(budgetHeaders(usage)).header('cache-control', 'no-store').send(body);
    },
  );

  typed.get(
    '/v1/research/users/:username',
    {
      schema: {
        summary: "A public account's profile and counts from TikTok's Research API (operator only)",
        tags: ['research'],
        params: researchUserParamsSchema,
        response: { 200: researchUserSchema, ...researchErrors },
      },
    },
    async (request, reply) => {
      requireOperator(ctx, request);
      const { usage, body } = await research.user(request.params.username);
      return reply.headers(budgetHeaders(usage)).header('cache-control', 'no-store').send(body);
    },
  );
}
