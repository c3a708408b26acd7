import type { PostResource } from '@tiktok-fleet/posts';
import {
  ApiConnectionError,
  type ApiErrorDetails,
  ApiKeyMissingError,
  ApiKeyRefusedError,
  ApiRequestError,
  ApiUnreachableError,
  isUnreachable,
} from './api-errors';
import { UsageError } from './errors';

export type { PostResource };

/** An account as GET /v1/accounts answers it; only what the CLI shows is typed. */
export interface AccountView {
  id: string;
  ownerId?: string;
  username?: string | null;
  displayName?: string | null;
  status?: string;
  statusReason?: string | null;
  creator?: { nickname?: string | null; privacyLevelOptions?: string[] };
  createdAt?: string;
  [field: string]: unknown;
}

export interface PostList {
  posts: PostResource[];
  nextCursor: string | null;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  /** A streamed body (POST /v1/media); `json` and `body` exclude each other. */
  body?: ReadableStream<Uint8Array>;
  headers?: Record<string, string>;
  /** Aborts the request (Ctrl-C while following a post). */
  signal?: AbortSignal;
}

export interface ApiResponse<T> {
  status: number;
  body: T;
}

/** Checks --api-url early: a typo there would otherwise surface as a confusing fetch error. */
export function parseApiUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(
      `--api-url must be an http(s) URL such as http://localhost:3001, got "${value}".`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--api-url must be an http(s) URL, got "${value}".`);
  }
  return url.toString().replace(/\/+$/, '');
}

/**
 * The fleet's HTTP API, through fetch. Every failure becomes a CliError with one clear line:
 * nothing listening, a refused key, or the API's own `{ error: { code, message } }`.
 */
export class ApiClient {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly apiKey: string | undefined,
  ) {
    this.baseUrl = parseApiUrl(baseUrl);
  }

  async request<T>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    if (!this.apiKey) throw new ApiKeyMissingError();
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.apiKey}`,
      accept: 'application/json',
      ...options.headers,
    };
    let body: RequestInit['body'];
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.body) {
      body = options.body;
    }

    let response: Response;
    try {
      // `duplex: 'half'` is what lets fetch send a stream; the DOM typings do not know it yet.
      response = await fetch(url, {
        method,
        headers,
        body,
        signal: options.signal,
        duplex: 'half',
      } as RequestInit);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (isUnreachable(error)) throw new ApiUnreachableError(this.baseUrl, { cause: error });
      throw new ApiConnectionError(this.baseUrl, error);
    }
    return { status: response.status, body: await this.readBody<T>(response) };
  }

  private async readBody<T>(response: Response): Promise<T> {
    const text = await response.text().catch(() => '');
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (response.ok) {
      if (parsed === undefined && text !== '') {
        throw new ApiRequestError(
          response.status,
          'invalid_response',
          `The API at ${this.baseUrl} answered HTTP ${response.status} with something that is not JSON: is --api-url the fleet's API?`,
        );
      }
      return parsed as T;
    }
    if (response.status === 401) throw new ApiKeyRefusedError(this.baseUrl);
    const error = (parsed as { error?: { code?: unknown; message?: unknown; details?: unknown } })
      ?.error;
    if (error && typeof error.code === 'string' && typeof error.message === 'string') {
      throw new ApiRequestError(
        response.status,
        error.code,
        error.message,
        error.details as ApiErrorDetails | undefined,
      );
    }
    throw new ApiRequestError(
      response.status,
      `http_${response.status}`,
      `The API at ${this.baseUrl} answered HTTP ${response.status} ${response.statusText} without an error body.`,
    );
  }

  async getPost(postId: string, signal?: AbortSignal): Promise<PostResource> {
    const path = `/v1/posts/${encodeURIComponent(postId)}`;
    return (await this.request<PostResource>('GET', path, { signal })).body;
  }

  async listPosts(query: {
    accountId?: string;
    status?: string;
    limit?: number;
  }): Promise<PostList> {
    return (await this.request<PostList>('GET', '/v1/posts', { query })).body;
  }

  /** 202 with a new post; 200 when the idempotency key gave back an earlier one. */
  async createPost(
    request: Record<string, unknown>,
    idempotencyKey: string,
  ): Promise<{ post: PostResource; created: boolean }> {
    const { status, body } = await this.request<PostResource>('POST', '/v1/posts', {
      json: request,
      headers: { 'idempotency-key': idempotencyKey },
    });
    return { post: body, created: status === 202 || status === 201 };
  }

  async listAccounts(): Promise<AccountView[]> {
    const { body } = await this.request<{ accounts: AccountView[] } | AccountView[]>(
      'GET',
      '/v1/accounts',
    );
    return Array.isArray(body) ? body : body.accounts;
  }

  async getAccount(accountId: string): Promise<AccountView> {
    return (await this.request<AccountView>('GET', `/v1/accounts/${encodeURIComponent(accountId)}`))
      .body;
  }

  async connectAccount(input: {
    ownerId?: string;
    redirectTo?: string;
  }): Promise<{ authorizeUrl: string }> {
    return (
      await this.request<{ authorizeUrl: string }>('POST', '/v1/accounts/connect', { json: input })
    ).body;
  }
}
