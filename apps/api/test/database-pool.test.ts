import { createPrismaClient } from '@tiktok-fleet/db';
import { waitUntil } from '@tiktok-fleet/testing';
import { afterAll, expect, test } from 'vitest';
import { connectedAccountId } from './support/connect';
import { type Reply, startApi } from './support/harness';

// A small pool and a short wait for it: more requests than connections must queue for a
// connection and, past DATABASE_POOL_TIMEOUT_MS, be answered 503 with a code, never 500.
const POOL = 2;
const api = await startApi({ poolSize: POOL, env: { DATABASE_POOL_TIMEOUT_MS: '200' } });
const locker = createPrismaClient(api.databaseUrl, { poolSize: 1 });
afterAll(() => locker.$disconnect());

const post = (accountId: string) =>
  api.call('POST', '/v1/posts', {
    json: { accountId, video: { url: 'https://media.example/v.mp4' }, privacyLevel: 'SELF_ONLY' },
  });

test('30 posts at once on a pool of 2 whose connections stay busy: 202 or 503 database_busy, never 500', async () => {
  const accountId = await connectedAccountId(api);
  // Inserts into posts wait behind this lock, each holding one of the API's connections, so
  // the rest of the requests find the pool full for as long as it is held.
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked = () => {};
  const isLocked = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const holding = locker.$transaction(
    async (tx) => {
      await tx.$executeRaw`LOCK TABLE posts IN EXCLUSIVE MODE`;
      locked();
      await held;
    },
    { timeout: 60_000 },
  );
  await isLocked;

  const answers: Reply[] = [];
  const all = Promise.all(
    Array.from({ length: 30 }, () => post(accountId).then((reply) => void answers.push(reply))),
  );
  await waitUntil(() => answers.some((reply) => reply.status === 503), {
    what: 'a request refused for the full pool',
    describe: () => answers.map((reply) => reply.status).join(', '),
  });
  release();
  await holding;
  await all;

  expect(answers).toHaveLength(30);
  for (const reply of answers) {
    expect([202, 503]).toContain(reply.status);
    if (reply.status !== 503) continue;
    expect(reply.body.error.code).toBe('database_busy');
    expect(reply.headers.get('retry-after')).toBe('2');
  }
  // The requests that held a connection went through once the lock was gone.
  expect(answers.filter((reply) => reply.status === 202).length).toBeGreaterThanOrEqual(1);
  // And the pool serves the next request as before.
  expect((await post(accountId)).status).toBe(202);
});
