import type { FastifyReply } from 'fastify';
import { newLogId } from './log-id';

/** An error of the v2 API, answered in TikTok's `{data, error}` envelope. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** An error of the `/v2/oauth/*` endpoints, answered flat: `{error, error_description, log_id}`. */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = error === 'invalid_client' ? 401 : 400,
  ) {
    super(description);
  }
}

export function logIdHeader(reply: FastifyReply): string {
  const logId = newLogId();
  reply.header('x-tt-logid', logId);
  return logId;
}

export function sendOk(reply: FastifyReply, data: unknown, status = 200) {
  const logId = logIdHeader(reply);
  return reply.code(status).send({ data, error: { code: 'ok', message: '', log_id: logId } });
}

/**
 * `cancelOnly`: /v2/post/publish/cancel/ answers only `{error}`, no `data`
 * (docs/tiktok-api.md, Response envelope).
 */
export function sendApiError(reply: FastifyReply, err: ApiError, envelope: 'full' | 'error-only') {
  const logId = logIdHeader(reply);
  const error = { code: err.code, message: err.message, log_id: logId };
  return reply.code(err.status).send(envelope === 'full' ? { data: {}, error } : { error });
}

export function sendOAuthError(reply: FastifyReply, err: OAuthError) {
  const logId = logIdHeader(reply);
  return reply
    .code(err.status)
    .send({ error: err.error, error_description: err.description, log_id: logId });
}

export const invalidParams = (message: string) => new ApiError('invalid_params', 400, message);
