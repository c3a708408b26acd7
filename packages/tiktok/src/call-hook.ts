import { performance } from 'node:perf_hooks';

/** One request to TikTok, as the client's `onCall` hook sees it. */
export interface TikTokCall {
  /** The API path (`/v2/post/publish/video/init/`), or `PUT upload_url` for a chunk. */
  endpoint: string;
  /** `ok`, or the error code the call failed with (TikTok's, or the client's own). */
  code: string;
  /** Undefined when no answer came (a refused connection, a timeout, an abort). */
  httpStatus: number | undefined;
  durationMs: number;
}

export type OnTikTokCall = (call: TikTokCall) => void;

/**
 * Starts timing one request; call the result with how it ended. A hook that throws is
 * ignored: counting a call must never fail it.
 */
export function startCall(
  onCall: OnTikTokCall | undefined,
  endpoint: string,
): (code: string, httpStatus: number | undefined) => void {
  if (!onCall) return () => undefined;
  const started = performance.now();
  return (code, httpStatus) => {
    try {
      onCall({ endpoint, code, httpStatus, durationMs: performance.now() - started });
    } catch {
      // The hook's own problem; the call itself went as reported.
    }
  };
}

/** The code and status of whatever a call threw. */
export function failureOf(error: unknown): { code: string; httpStatus: number | undefined } {
  const e = error as { code?: unknown; httpStatus?: unknown };
  return {
    code: typeof e?.code === 'string' ? e.code : 'internal_error',
    httpStatus: typeof e?.httpStatus === 'number' ? e.httpStatus : undefined,
  };
}
