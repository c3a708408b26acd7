import { createWorker, redisConnection } from '@tiktok-fleet/queue';
import { afterAll, describe, expect, test } from 'vitest';
import { connectedAccountId } from './support/connect';
import { startApi } from './support/harness';

const [api, withOperator] = await Promise.all([
  startApi(),
  startApi({
    env: { OPERATOR_USERNAME: 'operator', OPERATOR_PASSWORD: 'correct-horse-battery-staple' },
  }),
]);

// A real worker process's connection: one worker on the analytics queue, which gets no jobs
// in this file, so it only shows up as alive.
const workerConnection = redisConnection(api.config.REDIS_URL, 'worker');
const worker = createWorker('analytics', async () => undefined, {
  connection: workerConnection,
  prefix: api.prefix,
  onError: () => undefined,
});
afterAll(async () => {
  await worker.close();
  await workerConnection.quit();
});

describe('GET /v1/fleet', () => {
  test('queue depths, the workers alive per queue, and no Bull Board link when it is off', async () => {
    const accountId = await connectedAccountId(api);
    const created = await api.call('POST', '/v1/posts', {
      json: { accountId, video: { path: 'clips/fleet.mp4' }, privacyLevel: 'SELF_ONLY' },
    });
    expect(created.status).toBe(202);
    const fleet = await api.call('GET', '/v1/fleet');
    expect(fleet.status).toBe(200);
    expect(fleet.body.queues.publish).toEqual({
      waiting: 1,
      active: 0,
      delayed: 0,
      failed: 0,
      completed: 0,
    });
    expect(Object.keys(fleet.body.queues)).toEqual(
      expect.arrayContaining(['publish', 'status', 'notify', 'analytics']),
    );
    await expect
      .poll(async () => {
        const answer = await api.call('GET', '/v1/fleet');
        return answer.body.workers.find((w: { queue: string }) => w.queue === 'analytics')?.count;
      })
      .toBe(1);
    const publishWorkers = fleet.body.workers.find((w: { queue: string }) => w.queue === 'publish');
    expect(publishWorkers.count).toBe(0);
    expect(fleet.body.bullBoardUrl).toBeNull();
    expect((await withOperator.call('GET', '/v1/fleet')).body.bullBoardUrl).toBe('/admin/queues');
  });

  test("the last failures are the caller's own failed posts, newest first", async () => {
    const accountId = await connectedAccountId(api);
    const created = await api.call('POST', '/v1/posts', {
      json: { accountId, video: { path: 'clips/doomed.mp4' }, privacyLevel: 'SELF_ONLY' },
    });
    // Disconnecting the account fails its posts that have not reached TikTok.
    expect((await api.call('DELETE', `/v1/accounts/${accountId}`)).status).toBe(200);
    const fleet = await api.call('GET', '/v1/fleet');
    expect(fleet.body.lastFailures[0]).toMatchObject({
      postId: created.body.id,
      accountId,
      code: 'account_revoked',
    });
    expect(fleet.body.lastFailures[0].message).toContain('disconnected');
    const other = await api.call('GET', '/v1/fleet', { key: api.keys.b });
    expect(other.body.lastFailures).toEqual([]);
  });

  test('needs a caller', async () => {
    const answer = await api.call('GET', '/v1/fleet', { key: null });
    expect(answer.status).toBe(401);
  });
});
