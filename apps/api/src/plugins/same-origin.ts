import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A request that may change something: everything but GET, HEAD and OPTIONS. */
export const isWrite = (request: FastifyRequest) => !SAFE_METHODS.has(request.method);

const hostOf = (origin: string) => {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
};

/**
 * Whether the browser says the request comes from another site. A browser sends cookies
 * and cached basic-auth credentials with any request to this origin, so a page elsewhere
 * could make writes in the operator's name (CSRF); `Sec-Fetch-Site` and `Origin` tell.
 * An `Origin` of `null` (sandboxed frames, privacy redirects) is not this site either.
 * Requests without either header (curl, scripts) are not from a browser page.
 */
export function isCrossSite(request: FastifyRequest, backendUrl?: string): boolean {
  if (request.headers['sec-fetch-site'] === 'cross-site') return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  const host = hostOf(origin);
  if (host === undefined) return true;
  return host !== request.headers.host && (!backendUrl || host !== hostOf(backendUrl));
}

/** Throws 403 cross_site_request for a write from another site. */
export function refuseCrossSiteWrite(
  request: FastifyRequest,
  what: string,
  backendUrl?: string,
): void {
  if (!isWrite(request) || !isCrossSite(request, backendUrl)) return;
  throw new ApiError(
    403,
    'cross_site_request',
    `${what} takes changes only from its own pages, not from another site.`,
  );
}
