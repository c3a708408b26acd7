import type { FastifyInstance } from 'fastify';
import type { SandboxContext } from './context';
import { newPostId } from './ids';
import { researchUsage } from './research-budget';

const dayMs = 24 * 60 * 60_000;
const MAX_SEED = 20_000;

function time(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new Error(`${name} must be an ISO date-time.`);
  return ms;
}

/**
 * Control API for the Research API (not part of TikTok): `POST /_sandbox/research/videos`
 * seeds public videos of creators outside the sandbox (research covers all of TikTok, not
 * only the fleet's own posts), `GET /_sandbox/research/usage` reads today's counters.
 */
export function registerResearchControl(app: FastifyInstance, { state }: SandboxContext): void {
  app.post('/_sandbox/research/videos', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const count = body.count;
    if (
      typeof count !== 'number' ||
      !Number.isSafeInteger(count) ||
      count < 1 ||
      count > MAX_SEED
    ) {
      return reply.code(400).send({ error: `count must be an integer from 1 to ${MAX_SEED}.` });
    }
    let from: number;
    let to: number;
    try {
      to = time(body.to, 'to', state.clock.now());
      from = time(body.from, 'from', to - dayMs);
    } catch (err) {
      return reply.code(400).send({ error: (err as Error).message });
    }
    if (from > to) return reply.code(400).send({ error: 'from must not be after to.' });
    const text = (name: string, fallback: string) =>
      typeof body[name] === 'string' && body[name] !== '' ? (body[name] as string) : fallback;
    const username = text('username', 'research_creator');
    const regionCode = text('regionCode', 'US');
    const description = text('description', 'a public video #research');
    // Spread evenly from `from` to `to`, both included.
    const step = count > 1 ? (to - from) / (count - 1) : 0;
    for (let i = 0; i < count; i++) {
      state.researchVideos.push({
        id: newPostId(),
        username,
        regionCode,
        description,
        postedAt: Math.round(from + i * step),
      });
    }
    return reply.code(201).send({ created: count, total: state.researchVideos.length });
  });

  app.get('/_sandbox/research/usage', async () => researchUsage(state));
}
