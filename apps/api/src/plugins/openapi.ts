import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

/** The OpenAPI document, built from the routes' zod schemas: /docs (UI) and /docs/json. */
export async function registerOpenApi(app: FastifyInstance, serverUrl: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'tiktok-fleet API',
        version: '1',
        description:
          'Publish videos to TikTok through a queue of upload workers. Authenticate with ' +
          '`Authorization: Bearer <api key>`. Errors are `{ "error": { "code", "message", ' +
          '"details"? } }` with stable codes.',
      },
      servers: [{ url: serverUrl }],
      components: {
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } },
      },
      security: [{ apiKey: [] }],
      tags: [
        { name: 'posts', description: 'Publish, follow and cancel posts' },
        { name: 'media', description: 'Upload video files' },
        { name: 'accounts', description: 'Connected TikTok accounts' },
        { name: 'analytics', description: 'Views, likes, comments, shares' },
        {
          name: 'integration',
          description: 'OAuth and webhooks (TikTok and browsers, no API key)',
        },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
