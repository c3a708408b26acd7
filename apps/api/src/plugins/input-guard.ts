import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors';

/** A high surrogate not followed by a low one, or a low one without a high one before it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

type Problem = { field: string; kind: 'nul' | 'surrogate' };

/** The first string (or key) under `value` with a NUL or a lone UTF-16 surrogate. */
function findProblem(value: unknown, field: string, depth = 0): Problem | null {
  if (typeof value === 'string') {
    if (value.includes('\0')) return { field, kind: 'nul' };
    if (LONE_SURROGATE.test(value)) return { field, kind: 'surrogate' };
    return null;
  }
  if (value === null || typeof value !== 'object' || depth > 32) return null;
  if (Buffer.isBuffer(value) || typeof (value as { pipe?: unknown }).pipe === 'function') {
    return null;
  }
  const entries = Array.isArray(value)
    ? value.map((item, index) => [String(index), item] as const)
    : Object.entries(value);
  for (const [key, item] of entries) {
    const name = field ? `${field}.${key}` : key;
    const inKey = findProblem(key, name, depth + 1);
    if (inKey) return inKey;
    const inItem = findProblem(item, name, depth + 1);
    if (inItem) return inItem;
  }
  return null;
}

function refusal({ field, kind }: Problem): ApiError {
  if (kind === 'nul') {
    return new ApiError(
      400,
      'nul_character',
      `${field} contains a NUL character (\\u0000, or %00 in a URL). No field or id may ` +
        'contain one: remove it and send the request again.',
      [{ field, problem: 'must not contain a NUL character' }],
    );
  }
  return new ApiError(
    400,
    'invalid_unicode',
    `${field} is not valid Unicode: it holds a lone UTF-16 surrogate (half of an emoji, ` +
      'often from text cut in the middle of a character). Send whole characters.',
    [{ field, problem: 'must be valid UTF-16 (no lone surrogates)' }],
  );
}

/**
 * The one check every string of a request goes through before any route sees it: the JSON
 * or form body, the query and the path ids. A NUL would reach PostgreSQL (which refuses it
 * in text: 22021) and a lone surrogate would be stored as U+FFFD, so that a replay of the
 * same request no longer matches its idempotency key. Raw bodies (uploads, webhooks) are
 * bytes, not strings, and are not looked at.
 */
export function guardRequestStrings(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const problem =
      findProblem(request.params, 'path') ??
      findProblem(request.query, 'query') ??
      findProblem(request.body, '');
    if (problem) throw refusal(problem);
  });
}
