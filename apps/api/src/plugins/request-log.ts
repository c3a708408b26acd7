import {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';

/** What one request's log line says: never the URL as sent, whose query may hold secrets. */
function requestFields(request: FastifyRequest, reply: FastifyReply) {
  return {
    method: request.method,
    // The pattern (/v1/posts/:id), so ids and the query string (an OAuth code or state on
    // the callback) stay out of the logs.
    route: request.routeOptions.url ?? '(no route)',
    status: reply.statusCode,
    durationMs: Math.round(reply.elapsedTime * 10) / 10,
    requestId: request.id,
  };
}

/**
 * One line per answered request (method, route, status, duration, request id) instead of
 * Fastify's `incoming request` and `request completed` pair, whose req and res objects our
 * log serializers reduce to `{}`.
 */
export class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const fields = requestFields(request, reply);
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else reply.log.info(fields, 'request completed');
  }

  override defaultErrorLog(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    const fields = requestFields(request, reply);
    if (reply.statusCode >= 500) reply.log.error({ ...fields, err: error }, error.message);
    else reply.log.info({ ...fields, code: (error as { code?: string }).code }, error.message);
  }
}

/** A request whose client left before it was answered gets its line too. */
export function logAbortedRequests(app: FastifyInstance): void {
  app.addHook('onRequestAbort', async (request) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? '(no route)',
        requestId: request.id,
      },
      'request aborted by the client',
    );
  });
}
