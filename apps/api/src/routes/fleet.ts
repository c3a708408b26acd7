import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context';
import { errorResponses } from '../schemas';
import { fleetStatus } from '../services/fleet-status';

const counts = z.object({
  waiting: z.number().int(),
  active: z.number().int(),
  delayed: z.number().int(),
  failed: z.number().int(),
  completed: z.number().int(),
});

const fleetSchema = z
  .object({
    queues: z.record(z.string(), counts).describe('jobs per state, per queue'),
    workers: z
      .array(z.object({ queue: z.string(), count: z.number().int() }))
      .describe('worker connections per queue: how many workers take its jobs'),
    lastFailures: z
      .array(
        z.object({
          postId: z.string(),
          accountId: z.string(),
          code: z.string().nullable(),
          message: z.string().nullable(),
          at: z.string(),
        }),
      )
      .describe('your latest failed posts, newest first (at most 10)'),
    bullBoardUrl: z.string().nullable().describe('Bull Board, or null when it is off'),
  })
  .meta({ id: 'Fleet' });

export async function fleetRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }) {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/fleet',
    {
      schema: {
        summary: 'Queue depths, workers and the latest failures',
        tags: ['fleet'],
        response: { 200: fleetSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return fleetStatus(ctx, request.ownerId);
    },
  );
}
