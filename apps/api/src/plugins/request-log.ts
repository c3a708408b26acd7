import type { FastifyInstance } from 'fastify';

/**
 * One line per answered request: method, route (the pattern, so ids and the query string,
 * which may carry an OAuth code or state, stay out), status, duration and request id.
 * Replaces Fastify's own request logging, whose req/res objects our serializers empty.
 */
export function logRequests(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url;
    request.log.info(
      {
        method: request.method,
        route: route ?? '(no route)',
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
        requestId: request.id,
      },
      'request completed',
    );
  });
}
