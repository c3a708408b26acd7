import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse, isAxiosError } from 'axios';
import { failureOf, type OnTikTokCall, startCall } from './call-hook';
import { TikTokApiError } from './errors';
import { isRecord, parseJson, stringifyJson } from './json';
import { redactSecrets } from './redact';

export interface HttpConfig {
  apiBaseUrl: string;
  timeoutMs: number;
  httpAgent?: HttpAgent | undefined;
  httpsAgent?: HttpsAgent | undefined;
  /** Values that must never reach an error message (the client secret, tokens in flight). */
  secrets: readonly string[];
  /** Told about every request, failed ones included (metrics). */
  onCall?: OnTikTokCall | undefined;
}

// Form fields whose values are credentials; the rest (grant type, redirect URI) may
// appear in TikTok's messages and are left readable.
const SECRET_FORM_FIELDS = ['client_secret', 'code', 'refresh_token', 'token', 'code_verifier'];

export interface RawResponse {
  status: number;
  body: unknown;
  headers: Record<string, unknown>;
}

/**
 * The one place requests to TikTok's API host are sent. Bodies come back as text and are
 * parsed with the int64-safe parser; every status is accepted so that TikTok's error code,
 * not axios' idea of failure, decides what happened.
 */
export class TikTokHttp {
  readonly axios: AxiosInstance;
  readonly onCall: OnTikTokCall | undefined;
  readonly #secrets: readonly string[];

  constructor(config: HttpConfig) {
    this.#secrets = config.secrets;
    this.onCall = config.onCall;
    this.axios = axios.create({
      baseURL: config.apiBaseUrl,
      timeout: config.timeoutMs,
      httpAgent: config.httpAgent,
      httpsAgent: config.httpsAgent,
      responseType: 'text',
      transformRequest: [(data) => data],
      transformResponse: [(data) => data],
      validateStatus: () => true,
      // TikTok's API does not redirect; following one could send a token elsewhere.
      maxRedirects: 0,
    });
  }

  redact(text: string, extra: readonly string[] = []): string {
    return redactSecrets(text, [...this.#secrets, ...extra]);
  }

  /** A v2 JSON endpoint: `{ data, error: { code, message, log_id } }`. Returns `data`. */
  async envelope(
    endpoint: string,
    request: {
      method: 'GET' | 'POST';
      accessToken: string;
      query?: Record<string, string | undefined>;
      body?: unknown;
    },
  ): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = { Authorization: `Bearer ${request.accessToken}` };
    if (request.method === 'POST') headers['Content-Type'] = 'application/json; charset=UTF-8';
    return this.#counted(endpoint, async () => {
      const res = await this.#send(endpoint, [request.accessToken], {
        method: request.method,
        url: endpoint,
        params: request.query,
        headers,
        data: request.method === 'POST' ? stringifyJson(request.body ?? {}) : undefined,
      });
      return { res, data: this.#readEnvelope(endpoint, res, [request.accessToken]) };
    });
  }

  /**
   * An OAuth endpoint: form-encoded request, flat JSON response (docs/tiktok-api.md, Token
   * endpoint and OAuth errors).
   */
  async form(
    endpoint: string,
    fields: Record<string, string | undefined>,
  ): Promise<Record<string, unknown>> {
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(fields))
      if (value !== undefined) form.set(key, value);
    const inFlight = SECRET_FORM_FIELDS.map((name) => fields[name]).filter(
      (v): v is string => typeof v === 'string' && v.length > 0,
    );
    return this.#counted(endpoint, async () => {
      const res = await this.#send(endpoint, inFlight, {
        method: 'POST',
        url: endpoint,
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          'Cache-Control': 'no-cache',
        },
        data: form.toString(),
      });
      return { res, data: this.#readOAuth(endpoint, res, inFlight) };
    });
  }

  /** Runs one request and tells `onCall` how it ended, success or not. */
  async #counted(
    endpoint: string,
    request: () => Promise<{ res: RawResponse; data: Record<string, unknown> }>,
  ): Promise<Record<string, unknown>> {
    const done = startCall(this.onCall, endpoint);
    try {
      const { res, data } = await request();
      done('ok', res.status);
      return data;
    } catch (error) {
      const { code, httpStatus } = failureOf(error);
      done(code, httpStatus);
      throw error;
    }
  }

  async #send(
    endpoint: string,
    secrets: readonly string[],
    config: Parameters<AxiosInstance['request']>[0],
  ): Promise<RawResponse> {
    let res: AxiosResponse<string>;
    try {
      res = await this.axios.request<string>(config);
    } catch (error) {
      throw this.#transportError(endpoint, error, secrets);
    }
    return {
      status: res.status,
      body: parseBody(res.data),
      headers: res.headers as Record<string, unknown>,
    };
  }

  /** Turns an axios failure without a response into a typed error, keeping nothing of its config. */
  #transportError(
    endpoint: string,
    error: unknown,
    secrets: readonly string[] = [],
  ): TikTokApiError {
    if (isAxiosError(error) && error.code === 'ERR_CANCELED') {
      return new TikTokApiError({ code: 'aborted', endpoint });
    }
    const reason = describeTransportFailure(error);
    return new TikTokApiError({
      code: 'internal_error',
      endpoint,
      tiktokMessage: this.redact(reason, secrets),
    });
  }

  #readEnvelope(
    endpoint: string,
    res: RawResponse,
    secrets: readonly string[],
  ): Record<string, unknown> {
    const body = isRecord(res.body) ? res.body : undefined;
    const err = body && isRecord(body.error) ? body.error : undefined;
    const code = typeof err?.code === 'string' && err.code !== '' ? err.code : undefined;
    const ok2xx = res.status >= 200 && res.status < 300;
    // A 2xx without any envelope (or with an empty body) is taken as success; a 2xx HTML
    // page is not.
    if (code === 'ok' || (code === undefined && ok2xx && typeof res.body !== 'string')) {
      return isRecord(body?.data) ? body.data : {};
    }
    throw new TikTokApiError({
      code: code ?? codeFromStatus(res.status),
      endpoint,
      httpStatus: res.status,
      logId: stringOr(err?.log_id) ?? stringOr(err?.logid) ?? headerLogId(res.headers),
      tiktokMessage: messageOf(err?.message, res, (t) => this.redact(t, secrets)),
    });
  }

  #readOAuth(
    endpoint: string,
    res: RawResponse,
    secrets: readonly string[],
  ): Record<string, unknown> {
    const body = isRecord(res.body) ? res.body : undefined;
    // OAuth errors are flat (`error` is a string); be lenient if one ever comes enveloped.
    const nested = body && isRecord(body.error) ? body.error : undefined;
    const code =
      stringOr(body?.error) ?? (nested?.code !== 'ok' ? stringOr(nested?.code) : undefined);
    if (!code && res.status >= 200 && res.status < 300) {
      if (!body) return {};
      return isRecord(body.data) && !('access_token' in body) ? body.data : body;
    }
    throw new TikTokApiError({
      code: code ?? codeFromStatus(res.status),
      endpoint,
      httpStatus: res.status,
      logId: stringOr(body?.log_id) ?? stringOr(nested?.log_id) ?? headerLogId(res.headers),
      tiktokMessage: messageOf(body?.error_description ?? nested?.message, res, (t) =>
        this.redact(t, secrets),
      ),
    });
  }
}

function parseBody(text: unknown): unknown {
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  try {
    return parseJson(text);
  } catch {
    return text;
  }
}

/** Only used when the body carries no code at all (a gateway page, an empty 5xx). */
function codeFromStatus(status: number): string {
  if (status === 429) return 'rate_limit_exceeded';
  if (status === 401) return 'access_token_invalid';
  if (status >= 500) return 'internal_error';
  return 'unexpected_response';
}

function messageOf(
  message: unknown,
  res: RawResponse,
  redact: (text: string) => string,
): string | undefined {
  if (typeof message === 'string' && message !== '') return redact(message);
  if (typeof res.body === 'string') return redact(`HTTP ${res.status}: ${res.body.slice(0, 200)}`);
  return `HTTP ${res.status}`;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function headerLogId(headers: Record<string, unknown>): string | undefined {
  return stringOr(headers['x-tt-logid']);
}

export function describeTransportFailure(error: unknown): string {
  if (isAxiosError(error)) {
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') {
      return `no answer in time (${error.code})`;
    }
    return `network error: ${error.code ?? error.message}`;
  }
  return error instanceof Error ? `network error: ${error.message}` : 'network error';
}
