import { createAccountRepository } from '@tiktok-fleet/db';
import { describe, expect, test } from 'vitest';
import { cipherOf } from './support/cipher';
import { connectedAccountId } from './support/connect';
import { startApi } from './support/harness';

const api = await startApi();

describe('canceling a post TikTok is processing', () => {
  test('a PULL_FROM_URL download is canceled at TikTok, then the post', async () => {
    // A download that cannot finish, held in PROCESSING_DOWNLOAD for the length of the test.
    await api.sandboxControl('PATCH', '/_sandbox/config', { processingDelayMs: 60_000 });
    const accountId = await connectedAccountId(api);
    const videoUrl = 'https://127.0.0.1:1/never.mp4';
    const created = await api.call('POST', '/v1/posts', {
      json: {
        accountId,
        video: { pullFromUrl: videoUrl },
        privacyLevel: 'SELF_ONLY',
        callbackUrl: 'https://backend.example/hook',
      },
    });
    expect(created.status).toBe(202);

    // What the publish worker does for this post: init at TikTok, store the publish id.
    const { accessToken } = await createAccountRepository(api.db, cipherOf(api)).getTokens(
      accountId,
    );
    const { publishId } = await api.tiktok.initDirectPost(accessToken, {
      postInfo: { privacyLevel: 'SELF_ONLY' },
      source: { source: 'PULL_FROM_URL', videoUrl },
    });
    // Where a worker leaves a pullFromUrl post once TikTok has it.
    await api.posts.transition(created.body.id, 'processing', { changes: { publishId } });

    const reply = await api.call('POST', `/v1/posts/${created.body.id}/cancel`);
    expect(reply.status).toBe(200);
    expect(reply.body.status).toBe('canceled');
    const status = await api.tiktok.fetchPublishStatus(accessToken, publishId);
    expect(status).toMatchObject({ status: 'FAILED' });
    expect(JSON.stringify(status)).toContain('publish_cancelled');
    expect(await api.queues.notify.getJob(`notify-${created.body.id}-post.canceled`)).toBeDefined();

    // TikTok cannot cancel it twice; neither can the API.
    const again = await api.call('POST', `/v1/posts/${created.body.id}/cancel`);
    expect(again.status).toBe(409);
  });
});
