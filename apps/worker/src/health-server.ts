import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderMetrics } from '@tiktok-fleet/observability';

export interface HealthChecks {
  /** The process works: its workers run and it is not shutting down. */
  live: () => boolean;
  /** Ready for work: Redis and PostgreSQL answer and the workers run. Throws what is wrong. */
  ready: () => Promise<void>;
}

/**
 * `/healthz` (liveness) and `/readyz` (readiness) for Kubernetes, and `/metrics` for
 * Prometheus (this process's registry). Workers take no traffic, so readiness only gates
 * rollouts; a short Redis outage fails readiness but never liveness, or every pod would
 * restart at once.
 */
export async function startHealthServer(
  port: number,
  checks: HealthChecks,
  host = '0.0.0.0',
): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: Record<string, unknown>) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { error: 'GET only' });
    if (path === '/healthz') {
      return checks.live() ? send(200, { status: 'ok' }) : send(503, { status: 'stopping' });
    }
    if (path === '/metrics') {
      renderMetrics().then(
        ({ contentType, body }) => {
          res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
          res.end(body);
        },
        (error: unknown) => send(500, { error: error instanceof Error ? error.message : 'failed' }),
      );
      return;
    }
    if (path === '/readyz') {
      checks.ready().then(
        () => send(200, { status: 'ready' }),
        (error: unknown) =>
          send(503, {
            status: 'not ready',
            reason: error instanceof Error ? error.message : String(error),
          }),
      );
      return;
    }
    send(404, { error: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
