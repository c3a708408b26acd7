import type { Session } from './types';

/** An error answer of the API (`{ error: { code, message } }`), or a network failure. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSec: number | null = null,
  ) {
    super(message);
  }
}

let session: Session | null = null;

/** Sends the browser to the sign-in form, coming back to this page afterwards. */
export function signInAgain(): never {
  const next = window.location.pathname + window.location.search;
  window.location.assign(`/login?next=${encodeURIComponent(next)}`);
  throw new ApiFailure(401, 'not_signed_in', 'Your session ended. Sign in again.');
}

async function failureOf(response: Response): Promise<ApiFailure> {
  const retryAfter = Number(response.headers.get('retry-after'));
  let code = `http_${response.status}`;
  let message = `The server answered HTTP ${response.status}.`;
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  return new ApiFailure(
    response.status,
    code,
    message,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
  );
}

/** The operator's session; its CSRF token goes with every write. */
export async function loadSession(): Promise<Session> {
  const response = await fetch('/v1/session', { credentials: 'same-origin' });
  if (response.status === 401) signInAgain();
  if (!response.ok) throw await failureOf(response);
  session = (await response.json()) as Session;
  return session;
}

function csrfHeader(): Record<string, string> {
  return session ? { 'x-csrf-token': session.csrfToken } : {};
}

/** One call to the API as the signed-in operator; JSON in, JSON out. */
export async function api<T>(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  json?: unknown,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') Object.assign(headers, csrfHeader());
  if (json !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: json === undefined ? undefined : JSON.stringify(json),
    });
  } catch {
    throw new ApiFailure(0, 'network_error', 'The API could not be reached. Is it running?');
  }
  if (response.status === 401) signInAgain();
  if (!response.ok) throw await failureOf(response);
  return (await response.json()) as T;
}

export interface StoredMedia {
  path: string;
  size: number;
}

/**
 * Streams a file to `POST /v1/media` as the raw body. XMLHttpRequest, because fetch reports
 * no upload progress; `onProgress` gets bytes sent and the total.
 */
export function uploadMedia(
  file: File,
  onProgress: (sent: number, total: number) => void,
  signal?: AbortSignal,
): Promise<StoredMedia> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/v1/media');
    xhr.withCredentials = true;
    xhr.responseType = 'json';
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    xhr.setRequestHeader('x-filename', file.name);
    for (const [name, value] of Object.entries(csrfHeader())) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener('progress', (event) => {
      onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    });
    xhr.addEventListener('load', () => {
      const body = xhr.response as { error?: { code: string; message: string } } | StoredMedia;
      if (xhr.status === 201 && body && 'path' in body) {
        onProgress(file.size, file.size);
        resolve(body);
        return;
      }
      if (xhr.status === 401) {
        try {
          signInAgain();
        } catch (error) {
          reject(error);
        }
        return;
      }
      const error = body && 'error' in body ? body.error : undefined;
      reject(
        new ApiFailure(
          xhr.status,
          error?.code ?? `http_${xhr.status}`,
          error?.message ?? `The upload failed with HTTP ${xhr.status}.`,
        ),
      );
    });
    xhr.addEventListener('error', () =>
      reject(new ApiFailure(0, 'network_error', 'The upload was cut off. Try again.')),
    );
    xhr.addEventListener('abort', () =>
      reject(new ApiFailure(0, 'upload_aborted', 'The upload was stopped.')),
    );
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(file);
  });
}

export async function signOut(): Promise<void> {
  await fetch('/logout', {
    method: 'POST',
    headers: csrfHeader(),
    credentials: 'same-origin',
    redirect: 'manual',
  });
  window.location.assign('/login');
}
