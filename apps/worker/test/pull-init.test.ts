// A PULL_FROM_URL init is the post: TikTok fetches the video as soon as it has the init,
// whether or not its answer reaches the database. So a worker killed (or stalled past its
// locks) inside that call must not be followed by a second init (publish/pull-init.ts).
import { enqueuePublish } from '@tiktok-fleet/queue';
import { beforeAll, describe, expect, test } from 'vitest';
import { isFinal, OWNER, useFleet } from './support/fleet';

const fleet = useFleet();
const { env } = fleet;
const INIT = '/v2/post/publish/video/init/';

beforeAll(async () => {
  await env.start();
});

const inits = async () => (await fleet.stats()).requests[INIT] ?? 0;
const codes = (post: { events: { detail: unknown }[] }) =>
  post.events.map((e) => (e.detail as { code?: string } | null)?.code).filter(Boolean);

describe('an init TikTok fetches itself is sent at most once', () => {
  test('a pullFromUrl post whose earlier attempt sent its init and never stored the answer fails with init_outcome_unknown, with no second init', async () => {
    const { account } = await fleet.connectAccount();
    const posts = env.deps().posts;
    const { post } = await posts.create({
      ownerId: OWNER,
      accountId: account.id,
      videoSourceKind: 'pullFromUrl',
      videoSource: 'https://127.0.0.1:1/left-behind.mp4',
      privacyLevel: 'PUBLIC_TO_EVERYONE',
    });
    // What a worker killed inside its init call leaves: the intent, and no publish id.
    await posts.transition(post.id, 'validating');
    await posts.note(post.id, 'validating', {
      code: 'pull_init_sent',
      message: 'Asking TikTok to fetch the media from its URL.',
    });
    const before = await inits();
    await enqueuePublish(env.queues, post.id);

    const done = await fleet.waitForPost(post.id, isFinal);
    expect(done).toMatchObject({
      status: 'failed',
      errorCode: 'init_outcome_unknown',
      publishId: null,
    });
    expect(done.errorMessage).toContain("Check the account's TikTok profile");
    expect(await inits()).toBe(before);
  });

  test('a pullFromUrl post with nothing left behind sends its init once, after storing the intent', async () => {
    const { account } = await fleet.connectAccount();
    const before = await inits();
    const created = await fleet.createPost({
      accountId: account.id,
      video: { pullFromUrl: 'https://127.0.0.1:1/unreachable.mp4' },
    });
    // TikTok cannot fetch this URL: the post ends with TikTok's own reason, from its one init.
    const done = await fleet.waitForPost(created.id, isFinal);
    expect(done).toMatchObject({ status: 'failed', errorCode: 'video_pull_failed' });
    expect(done.publishId).not.toBeNull();
    expect(await inits()).toBe(before + 1);
    expect(codes(done)).toContain('pull_init_sent');
  });
});
