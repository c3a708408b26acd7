import { CliError, EXIT_USAGE } from './errors';

/** Connection-level failures that mean "nothing is listening there", not "it went wrong". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The error code behind a failed `fetch` (undici wraps it in `cause`, sometimes twice). */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const nested = (current as { errors?: unknown[] }).errors?.[0];
    current = nested ?? (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isUnreachable(error: unknown): boolean {
  const code = networkErrorCode(error);
  return code !== undefined && UNREACHABLE_CODES.has(code);
}

export class ApiUnreachableError extends CliError {
  constructor(
    readonly apiUrl: string,
    options?: { cause?: unknown },
  ) {
    super(
      'api_unreachable',
      `Cannot reach the API at ${apiUrl}: is it running? (set --api-url or TIKTOK_FLEET_API_URL)`,
      undefined,
      options,
    );
  }
}

/** The connection opened, then broke (reset, timeout) before an answer came. */
export class ApiConnectionError extends CliError {
  constructor(apiUrl: string, cause: unknown) {
    // undici's own reasons ("bad port") come as a message without a code.
    const inner = (cause as { cause?: unknown } | undefined)?.cause;
    const reason = networkErrorCode(cause) ?? (inner instanceof Error ? inner.message : undefined);
    super(
      'api_connection_failed',
      `The connection to the API at ${apiUrl} failed${reason ? ` (${reason})` : ''}. Try ` +
        'again; if it keeps failing, look at the API logs.',
      undefined,
      { cause },
    );
  }
}

export class ApiKeyMissingError extends CliError {
  constructor() {
    super(
      'api_key_missing',
      'No API key: pass --api-key or set TIKTOK_FLEET_API_KEY. An operator creates one with ' +
        '`tiktok-fleet keys create --owner <id>`.',
      EXIT_USAGE,
    );
  }
}

export class ApiKeyRefusedError extends CliError {
  constructor(apiUrl: string) {
    super(
      'api_key_refused',
      `The API key was refused by ${apiUrl} (HTTP 401): it is wrong or revoked. Check ` +
        '--api-key or TIKTOK_FLEET_API_KEY, or create a key with `tiktok-fleet keys create`.',
    );
  }
}

export type ApiErrorDetails = Array<{ field: string; problem: string }> | Record<string, unknown>;

/** The API answered with its `{ error: { code, message, details? } }`. */
export class ApiRequestError extends CliError {
  constructor(
    readonly status: number,
    readonly apiCode: string,
    readonly apiMessage: string,
    readonly details?: ApiErrorDetails,
  ) {
    super(apiCode, formatApiError(apiCode, apiMessage, details));
  }
}

/**
 * One line for a person: the API's sentence, then its code, then any further field problems
 * (the message already names the first one).
 */
export function formatApiError(code: string, message: string, details?: ApiErrorDetails): string {
  const more = Array.isArray(details) ? details.slice(1).map((d) => `${d.field} ${d.problem}`) : [];
  const text = message.trim().replace(/\s*\n\s*/g, ' ');
  return `${text} (${code})${more.length > 0 ? `; also: ${more.join('; ')}` : ''}`;
}
