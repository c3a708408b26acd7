import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { once } from 'node:events';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import ipaddr from 'ipaddr.js';

/**
 * A URL given by a caller (a video to download, a callback to POST to) resolved to an
 * address inside the fleet's own network: loopback, private, link-local, and so on. Fetching
 * it would let a caller reach services that are not meant to be reachable (SSRF).
 */
export class AddressNotAllowedError extends Error {
  override readonly name = 'AddressNotAllowedError';

  constructor(
    readonly hostname: string,
    readonly address: string,
  ) {
    super(
      `${hostname} resolves to ${address}, a private, loopback or otherwise internal address; ` +
        'the fleet only connects to public addresses there.',
    );
  }
}

/**
 * A request that can never succeed however often it is tried: a redirect to a scheme other
 * than http(s) (file:, gopher:, ...), or more redirects than allowed. `reason` is stable.
 */
export class PermanentRequestError extends Error {
  override readonly name = 'PermanentRequestError';

  constructor(
    readonly reason: 'redirect_scheme_not_allowed' | 'too_many_redirects',
    message: string,
  ) {
    super(message);
  }
}

/** Public unicast only; an IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as IPv4. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * DNS resolution that refuses the connection when any address of the name is internal.
 * It runs when the socket connects, so the address checked is the address used: a name
 * that answers differently the second time (DNS rebinding) gains nothing.
 */
function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      const list = addresses as LookupAddress[];
      const internal = allowPrivate ? undefined : list.find((a) => !isPublicAddress(a.address));
      if (internal) return callback(new AddressNotAllowedError(hostname, internal.address), '');
      const [first] = list;
      if (!first)
        return callback(
          Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }),
          '',
        );
      if (options.all) return callback(null, list);
      return callback(null, first.address, first.family);
    });
  };
}

/** The literal-IP case, which never goes through DNS. */
function checkUrl(url: URL, allowPrivate: boolean, hop: number): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    if (hop > 0) {
      throw new PermanentRequestError(
        'redirect_scheme_not_allowed',
        `the server redirected to a ${url.protocol} URL; only http and https are followed`,
      );
    }
    throw new TypeError(`Only http and https URLs are fetched (got ${url.protocol}).`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!allowPrivate && ipaddr.isValid(host) && !isPublicAddress(host)) {
    throw new AddressNotAllowedError(host, host);
  }
}

export interface SafeRequestInit {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Allow loopback and private addresses (URL_SOURCE_ALLOW_PRIVATE: development, tests). */
  allowPrivate: boolean;
  /** GET only; each hop is checked again. @defaultValue 0 */
  maxRedirects?: number;
}

export interface SafeResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Read it or call `resume()`; the socket is not pooled, so nothing else waits on it. */
  body: IncomingMessage;
  url: URL;
}

/**
 * An HTTP request to a URL a caller chose, refusing internal addresses at every hop. Each
 * request has its own connection (no keep-alive pool), so a socket opened under one rule is
 * never reused under another.
 */
export async function safeRequest(url: string, init: SafeRequestInit): Promise<SafeResponse> {
  let current = new URL(url);
  const maxRedirects = init.maxRedirects ?? 0;
  for (let hop = 0; ; hop++) {
    checkUrl(current, init.allowPrivate, hop);
    const send = current.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(current, {
      method: init.method ?? 'GET',
      headers: init.headers,
      signal: init.signal,
      agent: false,
      lookup: guardedLookup(init.allowPrivate),
    });
    req.end(init.body);
    const [res] = (await once(req, 'response', { signal: init.signal })) as [IncomingMessage];
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && location && (init.method ?? 'GET') === 'GET') {
      res.resume();
      if (hop >= maxRedirects) {
        throw new PermanentRequestError(
          'too_many_redirects',
          `more than ${maxRedirects} redirects from ${describeUrl(url)}`,
        );
      }
      current = new URL(location, current);
      continue;
    }
    return { status, headers: res.headers, body: res, url: current };
  }
}

/** A URL for messages and logs: no credentials, no query string (it may carry a token). */
export function describeUrl(url: string | URL): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(an invalid URL)';
  }
}
