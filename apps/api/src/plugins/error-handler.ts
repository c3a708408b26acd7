import {
  DbError,
  isDatabasePoolTimeout,
  isDatabaseUnavailable,
  TokenCipherError,
} from '@tiktok-fleet/db';
import { EnqueuePostError, type EnqueuePostErrorCode } from '@tiktok-fleet/posts';
import { isRedisUnavailable, OAuthStateLimitError } from '@tiktok-fleet/queue';
import { TikTokApiError } from '@tiktok-fleet/tiktok';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ApiError } from '../errors';

const enqueueStatus: Record<EnqueuePostErrorCode, number> = {
  invalid_request: 400,
  video_path_outside_media_root: 400,
  photo_path_outside_media_root: 400,
  // Well-formed, but this fleet cannot serve photos to TikTok until its operator sets it up.
  photo_hosting_not_configured: 422,
  account_not_found: 404,
  account_needs_reauth: 409,
  account_revoked: 409,
  // The IETF Idempotency-Key draft answers a reused key with another body with 422.
  idempotency_key_reused: 422,
  media_not_found: 404,
  backlog_full: 429,
  scheduled_too_far: 400,
  callback_url_not_allowed: 400,
  queue_unavailable: 503,
};

const dbStatus: Record<string, number> = {
  account_not_found: 404,
  post_not_found: 404,
  account_revoked: 409,
  account_connected_elsewhere: 409,
  post_status_conflict: 409,
  invalid_cursor: 400,
};

const fastifyCodes: Record<string, [number, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad_request'],
  FST_ERR_BAD_URL: [400, 'bad_url'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'url_too_long'],
  FST_INVALID_MULTIPART_CONTENT_TYPE: [415, 'unsupported_media_type'],
  FST_PARTS_LIMIT: [413, 'multipart_too_many_parts'],
  FST_FILES_LIMIT: [413, 'multipart_too_many_parts'],
  FST_FIELDS_LIMIT: [413, 'multipart_too_many_parts'],
  FST_PROTO_VIOLATION: [400, 'invalid_multipart'],
};

const PART_NAMES: Record<string, string> = {
  querystring: 'query',
  params: 'path',
  headers: 'headers',
};

/** Field problems from the zod type provider, in the shape formatValidationIssues gives. */
function validationDetails(error: FastifyError) {
  const part = PART_NAMES[error.validationContext ?? ''];
  const name = (path: string[]) => [part, ...path].filter(Boolean).join('.') || '(request)';
  return (error.validation ?? []).flatMap((issue) => {
    const path = issue.instancePath.split('/').filter(Boolean);
    const keys = (issue.params as { keys?: string[] }).keys;
    if (issue.keyword === 'unrecognized_keys' && keys) {
      return keys.map((key) => ({ field: name([...path, key]), problem: 'is not a known field' }));
    }
    return [{ field: name(path), problem: issue.message ?? 'is not valid' }];
  });
}

/** Every error the API can meet, as the one shape callers see. Null: an unexpected error. */
export function toApiError(error: Error): ApiError | null {
  if (error instanceof ApiError) return error;
  if (error instanceof EnqueuePostError) {
    const retry =
      error.code === 'queue_unavailable'
        ? { 'retry-after': '30' }
        : error.code === 'backlog_full'
          ? { 'retry-after': '60' }
          : undefined;
    return new ApiError(enqueueStatus[error.code], error.code, error.message, error.details, retry);
  }
  if (error instanceof OAuthStateLimitError) {
    return new ApiError(
      429,
      'connect_states_full',
      error.message,
      { scope: error.scope, limit: error.limit, retryAfterSeconds: error.retryAfterSec },
      { 'retry-after': String(error.retryAfterSec) },
    );
  }
  if (error instanceof DbError) {
    return new ApiError(dbStatus[error.code] ?? 409, error.code, error.message);
  }
  if (error instanceof TokenCipherError) {
    // The stored tokens cannot be read: only connecting the account again helps.
    return new ApiError(409, error.code, error.message);
  }
  if (error instanceof TikTokApiError) {
    if (error.action === 'reauthorize') return new ApiError(409, error.code, error.message);
    const waiting = error.action === 'wait_rate_limit' || error.action === 'wait_daily_cap';
    return new ApiError(
      waiting ? 503 : 502,
      error.code,
      error.message,
      undefined,
      waiting ? { 'retry-after': '60' } : {},
    );
  }
  const fastifyError = error as FastifyError;
  if (hasZodFastifySchemaValidationErrors(fastifyError)) {
    const details = validationDetails(fastifyError);
    const first = details[0];
    return new ApiError(
      400,
      'invalid_request',
      `The request is not valid: ${first ? `${first.field} ${first.problem}` : 'see details'}.`,
      details,
    );
  }
  if (
    fastifyError.code === 'FST_CSRF_INVALID_TOKEN' ||
    fastifyError.code === 'FST_CSRF_MISSING_SECRET'
  ) {
    return new ApiError(
      403,
      'csrf_token_invalid',
      'This change needs the CSRF token of your session: send it as the x-csrf-token header ' +
        '(csrfToken of GET /v1/session), or reload the page and try again.',
    );
  }
  const known = fastifyError.code ? fastifyCodes[fastifyError.code] : undefined;
  if (known) return new ApiError(known[0], known[1], fastifyError.message);
  // The database first: its errors are recognised by their kind; Redis's by words that a
  // socket error of either could carry. A full pool is load, not an outage: a short retry.
  if (isDatabasePoolTimeout(error)) {
    return new ApiError(
      503,
      'database_busy',
      'The API has more requests in flight than database connections, and this one waited ' +
        'too long for one (DATABASE_POOL_TIMEOUT_MS). Try again shortly; sent with the same ' +
        'Idempotency-Key, a repeat never makes a second post.',
      undefined,
      { 'retry-after': '2' },
    );
  }
  if (isDatabaseUnavailable(error)) {
    return new ApiError(
      503,
      'database_unavailable',
      'The database cannot be reached. Try again shortly.',
      undefined,
      { 'retry-after': '30' },
    );
  }
  if (isRedisUnavailable(error)) {
    return new ApiError(
      503,
      'redis_unavailable',
      'Redis, which holds the queues and sign-in states, cannot be reached. Try again shortly.',
      undefined,
      { 'retry-after': '30' },
    );
  }
  const status = fastifyError.statusCode;
  if (status === 401) {
    // The operator login (basic auth) without credentials.
    return new ApiError(401, 'unauthorized', 'The operator username and password are required.');
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ApiError(status, 'bad_request', fastifyError.message);
  }
  return null;
}

/** The fleet's error body as JSON text, for answers written straight to a socket. */
export const errorBody = (code: string, message: string) =>
  JSON.stringify({ error: { code, message } });

const CLIENT_ERRORS: Record<string, [number, string, string, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    'Request Timeout',
    'request_headers_too_slow',
    'The request headers did not arrive in time (HTTP_HEADERS_TIMEOUT_MS). Send the request again.',
  ],
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'headers_too_large',
    'The request headers are larger than the API accepts (16 KiB in all). Send fewer or shorter headers.',
  ],
};

/**
 * Node's answer to a request it cannot parse (no route ever sees it): a malformed request
 * line, headers too large, headers too slow. In the fleet's error shape, not Fastify's
 * `{"error":"Bad Request"}`.
 */
export function answerClientError(
  this: { log: { info: (obj: object, msg: string) => void } },
  error: NodeJS.ErrnoException,
  socket: import('node:stream').Duplex,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, statusText, code, message] = CLIENT_ERRORS[error.code ?? ''] ?? [
    400,
    'Bad Request',
    'malformed_request',
    'The request is not valid HTTP/1.1 (its request line or headers could not be read).',
  ];
  // No route saw it, so this is the request's only log line.
  this.log.info({ code, status, reason: error.code }, 'request could not be read');
  if (socket.writable) {
    const body = errorBody(code, message);
    socket.write(
      `HTTP/1.1 ${status} ${statusText}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** Errors Fastify meets before routing (a URL it cannot decode), through our handler. */
export function answerFrameworkError(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
) {
  return sendError(reply, toApiError(error) ?? new ApiError(400, 'bad_request', error.message));
}

export function sendError(reply: FastifyReply, error: ApiError) {
  return reply
    .code(error.statusCode)
    .headers(error.headers)
    .type('application/json; charset=utf-8')
    .send({
      error: {
        code: error.code,
        message: error.message,
        ...(error.details !== undefined && { details: error.details }),
      },
    });
}

/**
 * Answers every error as `{ error: { code, message, details? } }` and never with a stack.
 * Unexpected errors are logged with their stack here and reach the caller as
 * `internal_error` with the request id to quote.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: Error, request: FastifyRequest, reply: FastifyReply) => {
    const apiError = toApiError(error);
    if (apiError) {
      if (apiError.statusCode >= 500) request.log.warn({ err: error }, apiError.message);
      return sendError(reply, apiError);
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(
      reply,
      new ApiError(
        500,
        'internal_error',
        `Something went wrong on our side. If it keeps happening, report request id ${request.id}.`,
        { requestId: request.id },
      ),
    );
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new ApiError(
        404,
        'not_found',
        `There is no ${request.method} ${request.url.split('?')[0]}. The API is described at /docs.`,
      ),
    ),
  );
}
