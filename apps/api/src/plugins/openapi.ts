import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { SESSION_COOKIE } from './operator-session';

/** The OpenAPI document, built from the routes' zod schemas: /docs (UI) and /docs/json. */
export async function registerOpenApi(app: FastifyInstance, serverUrl: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'tiktok-fleet API',
        version: '1',
        description:
          'Publish videos to TikTok through a queue of upload workers. Authenticate with ' +
          '`Authorization: Bearer <api key>`, or in a browser with the operator session ' +
          'from signing in at `/login` (it acts as owner OPERATOR_OWNER_ID; its writes need ' +
          'the `x-csrf-token` header from `GET /v1/session` and are refused from other sites ' +
          'with `403 cross_site_request`). Errors are `{ "error": { "code", "message", ' +
          '"details"? } }` with stable codes.',
      },
      servers: [{ url: serverUrl }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
      tags: [
        { name: 'posts', description: 'Publish, follow and cancel posts' },
        { name: 'media', description: 'Upload video files' },
        { name: 'accounts', description: 'Connected TikTok accounts' },
        { name: 'analytics', description: 'Views, likes, comments, shares' },
        { name: 'fleet', description: 'Queues and workers' },
        { name: 'session', description: "The operator's sign-in (the integration page)" },
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
