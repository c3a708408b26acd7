import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../errors';
import { sendError } from './error-handler';

declare module 'fastify' {
  interface FastifyRequest {
    /** Aborted (with the 408 ApiError) when the body arrives too slowly. */
    bodyStalled: AbortSignal | null;
    /** Set by a route that reads the body itself and answers the stall on its own. */
    answersStall: boolean;
  }
}

export interface SlowBodyLimits {
  /** No byte of the body for this long: 408. */
  idleMs: number;
  /** Fewer bytes than this per second, averaged over each window: 408. 0: off. */
  minBytesPerSec: number;
  windowMs: number;
}

const hasBody = (request: FastifyRequest) =>
  request.headers['transfer-encoding'] !== undefined ||
  Number(request.headers['content-length'] ?? 0) > 0;

export const bodyTooSlow = (reason: string) =>
  new ApiError(
    408,
    'request_body_too_slow',
    `The request body arrived too slowly (${reason}), so the API stopped waiting for it. ` +
      'Send it again on a faster or steadier connection.',
    undefined,
    // The rest of the body is not read: the connection ends with the answer.
    { connection: 'close' },
  );

/**
 * A request whose body trickles in (a byte every few seconds holds a socket and, for an
 * upload, an open file) is answered 408 and its connection closed. A total deadline would
 * cut off a real multi-GB upload, so the rule is a minimum rate over each window plus an
 * idle limit. Progress is read from the socket's byte count, so the body stream itself is
 * left alone. Routes that stream the body (uploads) set `answersStall` and abort on
 * `bodyStalled`, removing their partial file; for every other route the answer is sent here.
 */
export function guardSlowBodies(app: FastifyInstance, limits: SlowBodyLimits): void {
  app.decorateRequest('bodyStalled', null);
  app.decorateRequest('answersStall', false);
  const tickMs = Math.max(10, Math.floor(Math.min(limits.idleMs, limits.windowMs) / 5));
  app.addHook('onRequest', async (request, reply) => {
    if (!hasBody(request)) return;
    const raw = request.raw;
    const socket = raw.socket;
    const controller = new AbortController();
    request.bodyStalled = controller.signal;
    let lastBytes = socket.bytesRead;
    let lastProgressAt = Date.now();
    let windowStart = lastProgressAt;
    let windowStartBytes = lastBytes;
    const timer = setInterval(() => {
      if (raw.complete || raw.destroyed || reply.sent) return stop();
      const now = Date.now();
      const bytes = socket.bytesRead;
      if (bytes > lastBytes) {
        lastBytes = bytes;
        lastProgressAt = now;
      }
      let reason: string | undefined;
      if (now - lastProgressAt >= limits.idleMs) {
        reason = `nothing arrived for ${limits.idleMs} ms, HTTP_BODY_IDLE_TIMEOUT_MS`;
      } else if (now - windowStart >= limits.windowMs) {
        const perSec = ((bytes - windowStartBytes) * 1000) / (now - windowStart);
        if (perSec < limits.minBytesPerSec) {
          reason =
            `${Math.floor(perSec)} bytes/s over ${limits.windowMs} ms, below ` +
            `${limits.minBytesPerSec} bytes/s, HTTP_BODY_MIN_BYTES_PER_SEC`;
        }
        windowStart = now;
        windowStartBytes = bytes;
      }
      if (!reason) return;
      stop();
      const error = bodyTooSlow(reason);
      request.log.warn({ reason }, 'request body too slow');
      controller.abort(error);
      if (!request.answersStall && !reply.sent) void sendError(reply, error);
    }, tickMs);
    timer.unref();
    const stop = () => clearInterval(timer);
    raw.once('close', stop);
    reply.raw.once('close', stop);
  });
}
