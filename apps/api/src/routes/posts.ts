import {
  POST_STATUSES,
  photoPostRequestSchema,
  postRequestSchema,
  postResourceSchema,
  toPostResource,
} from '@tiktok-fleet/posts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context';
import { notFound } from '../errors';
import {
  createdPostSchema,
  errorResponses,
  errorSchema,
  idParams,
  postListSchema,
} from '../schemas';
import { cancelPost } from '../services/cancel-post';

const listQuery = z.strictObject({
  accountId: z.string().min(1).max(128).optional(),
  status: z.enum(POST_STATUSES).optional(),
  cursor: z.string().min(1).max(512).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export async function postRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }) {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/v1/posts',
    {
      schema: {
        summary: 'Publish a video or a photo carousel',
        description:
          'Stores the post and queues it. `202` with the new post; `200` with the first post ' +
          'when the Idempotency-Key was used before with the same request. A request with ' +
          '`photos` (1 to 35 images) is a photo post; otherwise it is a video post.',
        tags: ['posts'],
        headers: z.object({
          'idempotency-key': z
            .string()
            .optional()
            .describe('A repeated request with the same key returns the first post'),
        }),
        body: z.union([postRequestSchema, photoPostRequestSchema]),
        response: {
          200: createdPostSchema,
          202: createdPostSchema,
          422: errorSchema,
          ...errorResponses,
        },
      },
      // The enqueue contract validates the body itself, with the same messages a backend
      // importing it gets; the schema above is for the OpenAPI document.
      validatorCompiler: () => (value) => ({ value }),
      // The answer is toPostResource's, typed as the schema: encoding it through zod again
      // cost 70 µs a request (7x JSON.stringify) for the same bytes.
      serializerCompiler: () => (data) => JSON.stringify(data),
    },
    async (request, reply) => {
      const header = request.headers['idempotency-key'];
      const { post, created } = await ctx.enqueuer.enqueuePost({
        ownerId: request.ownerId,
        request: request.body,
        idempotencyKey: typeof header === 'string' ? header : undefined,
      });
      const statusUrl = `${ctx.config.BACKEND_URL.replace(/\/+$/, '')}/v1/posts/${post.id}`;
      // The post's first log line: with tracing on it carries the trace the post's jobs join.
      request.log.info({ postId: post.id, status: post.status, created }, 'post accepted');
      return reply
        .code(created ? 202 : 200)
        .header('location', statusUrl)
        .send({ ...post, statusUrl });
    },
  );

  api.get(
    '/v1/posts/:id',
    {
      schema: {
        summary: 'A post with its progress and status history',
        tags: ['posts'],
        params: idParams,
        response: { 200: postResourceSchema, ...errorResponses },
      },
    },
    async (request) => {
      const post = await ctx.posts.get(request.params.id, { ownerId: request.ownerId });
      if (!post) throw notFound('post', request.params.id);
      return toPostResource(post, post.events);
    },
  );

  api.get(
    '/v1/posts',
    {
      schema: {
        summary: 'Your posts, newest first',
        tags: ['posts'],
        querystring: listQuery,
        response: { 200: postListSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { posts, nextCursor } = await ctx.posts.list({
        ownerId: request.ownerId,
        ...request.query,
      });
      const events = await ctx.posts.listEvents(posts.map((p) => p.id));
      return {
        posts: posts.map((post) =>
          toPostResource(
            post,
            events.filter((e) => e.postId === post.id),
          ),
        ),
        nextCursor,
      };
    },
  );

  api.post(
    '/v1/posts/:id/cancel',
    {
      schema: {
        summary: 'Cancel a post',
        description:
          'Queued and scheduled posts are canceled at once; posts being validated or uploaded ' +
          'stop at the next stage; a PULL_FROM_URL post TikTok is processing is canceled at ' +
          'TikTok. Anything else answers 409 `post_not_cancelable`.',
        tags: ['posts'],
        params: idParams,
        response: { 200: postResourceSchema, 502: errorSchema, ...errorResponses },
      },
    },
    async (request) => cancelPost(ctx, request.ownerId, request.params.id, request.log),
  );
}
