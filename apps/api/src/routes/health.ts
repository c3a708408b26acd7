import { pingDatabase } from '@tiktok-fleet/db';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context';

export async function probe(name: string, check: () => Promise<unknown>, timeoutMs = 2000) {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name, ok: true as const };
  } catch (error) {
    return { name, ok: false as const, error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** Redis and PostgreSQL, each within 2 s: readiness, and the dependency gauge on /metrics. */
export function readinessProbes(ctx: ApiContext) {
  return Promise.all([
    probe('redis', () => ctx.redis.ping()),
    probe('postgres', () => pingDatabase(ctx.db)),
  ]);
}

export async function healthRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }) {
  // Liveness: the process answers. Nothing outside it is asked, so a Redis outage does not
  // get every API pod restarted.
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  // Readiness: the services every request needs answer.
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const checks = await readinessProbes(ctx);
    const ready = checks.every((c) => c.ok);
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'not_ready',
      checks: Object.fromEntries(
        checks.map((c) => [c.name, c.ok ? 'ok' : `unavailable: ${c.error}`]),
      ),
    });
  });
}
