import { type Sandbox, type SandboxOptions, startSandbox } from '../src/index';

export const logIdPattern = /^\d{14}[0-9A-F]{20}$/;
export const redirectUri = 'https://backend.example/api/integrations/tiktok/callback';
export const allScopes =
  'user.info.basic,user.info.profile,user.info.stats,video.list,video.publish,video.upload';

/** A sandbox with fast clocks; each test file starts its own on a random port. */
export function sandboxFor(options: SandboxOptions = {}): Promise<Sandbox> {
  return startSandbox({
    port: 0,
    autoApprove: true,
    processingDelayMs: 30,
    moderationDelayMs: 60,
    ...options,
  });
}

export interface Response {
  status: number;
  headers: Headers;
  raw: string;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected field by field.
  body: any;
}

async function read(res: globalThis.Response): Promise<Response> {
  const raw = await res.text();
  let body: unknown = null;
  try {
    body = raw ? JSON.parse(raw) : null;
  } catch {
    body = raw;
  }
  return { status: res.status, headers: res.headers, raw, body };
}

export async function control(sandbox: Sandbox, method: string, path: string, body?: unknown) {
  return read(
    await fetch(`${sandbox.url}/_sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
}

/** A v2 API call: JSON body (or none), bearer token, `fields` in the query where given. */
export async function api(
  sandbox: Sandbox,
  token: string,
  path: string,
  body?: unknown,
  method = 'POST',
) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json; charset=UTF-8';
  return read(
    await fetch(`${sandbox.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
}

export async function form(sandbox: Sandbox, path: string, fields: Record<string, string>) {
  return read(
    await fetch(`${sandbox.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'cache-control': 'no-cache',
      },
      body: new URLSearchParams(fields),
    }),
  );
}

export function authorizeUrl(sandbox: Sandbox, params: Record<string, string> = {}): string {
  const url = new URL(sandbox.authorizeUrl);
  url.search = new URLSearchParams({
    client_key: sandbox.clientKey,
    response_type: 'code',
    scope: allScopes,
    redirect_uri: redirectUri,
    state: 'csrf-123',
    ...params,
  }).toString();
  return url.toString();
}

/** Follows the authorize step without a browser (auto-approve) and returns the callback URL. */
export async function authorize(sandbox: Sandbox, params: Record<string, string> = {}) {
  const res = await fetch(authorizeUrl(sandbox, params), { redirect: 'manual' });
  if (res.status !== 302) throw new Error(`authorize answered ${res.status}: ${await res.text()}`);
  return new URL(res.headers.get('location') ?? '');
}

export async function exchange(sandbox: Sandbox, code: string, extra: Record<string, string> = {}) {
  return form(sandbox, '/v2/oauth/token/', {
    client_key: sandbox.clientKey,
    client_secret: sandbox.clientSecret,
    code,
    grant_type: 'authorization_code',
    redirect_uri: redirectUri,
    ...extra,
  });
}

/** A creator connected with every user scope: its tokens and open_id. */
export async function connect(sandbox: Sandbox, scope = allScopes) {
  const callback = await authorize(sandbox, { scope });
  const res = await exchange(sandbox, callback.searchParams.get('code') ?? '');
  if (res.status !== 200) throw new Error(`token exchange failed: ${res.raw}`);
  return res.body as {
    access_token: string;
    refresh_token: string;
    open_id: string;
    expires_in: number;
    refresh_expires_in: number;
    scope: string;
  };
}

export function directInit(privacyLevel: string, sourceInfo: Record<string, unknown>) {
  return {
    post_info: { title: 'Launch day #demo', privacy_level: privacyLevel, disable_comment: false },
    source_info: { source: 'FILE_UPLOAD', ...sourceInfo },
  };
}

export function fileSource(videoSize: number, chunkSize = videoSize, count = 1) {
  return {
    source: 'FILE_UPLOAD',
    video_size: videoSize,
    chunk_size: chunkSize,
    total_chunk_count: count,
  };
}

export async function putChunk(
  uploadUrl: string,
  bytes: Uint8Array,
  first: number,
  total: number,
  headers: Record<string, string> = {},
) {
  return read(
    await fetch(uploadUrl, {
      method: 'PUT',
      headers: {
        'content-type': 'video/mp4',
        'content-range': `bytes ${first}-${first + bytes.byteLength - 1}/${total}`,
        'content-length': String(bytes.byteLength),
        ...headers,
      },
      body: bytes,
    }),
  );
}
