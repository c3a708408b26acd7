import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { enqueuePublish } from '@tiktok-fleet/queue';
import { beforeAll, describe, expect, test } from 'vitest';
import { fixture, isFinal, OWNER, useFleet } from './support/fleet';

const fleet = useFleet();
const { env } = fleet;
let accountId: string;
let shortCreatorAccountId: string;

beforeAll(async () => {
  await env.start();
  accountId = (await fleet.connectAccount()).account.id;
  // A creator who may post videos of up to 10 seconds (creator_info's max duration).
  shortCreatorAccountId = (await fleet.connectAccount({ maxVideoPostDurationSec: 10 })).account.id;
});

/** Posts `file` and waits for the end; asserts that nothing was sent to TikTok. */
async function postAndFail(file: string, account = accountId) {
  const path = await fleet.addMedia(file, `rules/${file}`);
  const created = await fleet.createPost({ accountId: account, video: { path } });
  const post = await fleet.waitForPost(created.id, isFinal);
  const state = await fleet.jobFinished('publish', created.id);
  return { post, job: await env.queues.publish.getJob(created.id), state };
}

describe('validation: a video that breaks a rule fails at once with its code, never retried', () => {
  test.each([
    ['too-short.mp4', 'video_duration_too_short', /at least 3 s/],
    ['wrong-container.avi', 'video_format_invalid', /MP4, MOV or WebM/],
    ['low-res-320x240.mp4', 'video_resolution_too_low', /360 px/],
    ['low-fps-15.mp4', 'video_frame_rate_invalid', /23 to 60 fps/],
    ['corrupt.mp4', 'video_unreadable', /./],
    ['empty.mp4', 'video_empty', /empty/],
  ])('%s fails with %s', async (file, code, message) => {
    const { post, job, state } = await postAndFail(file);
    expect(post.status).toBe('failed');
    expect(post.errorCode).toBe(code);
    expect(post.errorMessage).toMatch(message);
    expect(post.publishId).toBeNull();
    expect(state).toBe('failed');
    // One attempt of the five the queue allows: failed fast, no retry.
    expect(job?.attemptsMade).toBe(1);
    expect(job?.opts.attempts).toBeGreaterThan(1);
  });

  test("a video longer than this creator's maximum fails with video_duration_too_long", async () => {
    const { post, job } = await postAndFail('long-12s.mp4', shortCreatorAccountId);
    expect(post.errorCode).toBe('video_duration_too_long');
    expect(post.errorMessage).toMatch(/up to 10 s/);
    expect(job?.attemptsMade).toBe(1);
    // The same video is fine for a creator with the usual 10 minutes.
    const path = 'rules/long-12s.mp4';
    const ok = await fleet.createPost({ accountId, video: { path } });
    expect((await fleet.waitForPost(ok.id, isFinal)).status).toBe('published');
  });

  test('no init reached TikTok for any of the refused videos', async () => {
    const posts = await env.rows.failedPosts();
    expect(posts.length).toBeGreaterThanOrEqual(7);
    expect(posts.every((p) => p.publishId === null)).toBe(true);
  });
});

describe('sources the worker refuses', () => {
  test('a path that leads outside MEDIA_ROOT through a symlink is refused', async () => {
    // The link does not exist when the post is accepted; it is made afterwards, pointing out.
    const created = await fleet.createPost({ accountId, video: { path: 'late-link.mp4' } });
    await symlink(fixture('valid-vertical.mp4'), join(env.mediaRoot, 'late-link.mp4'));
    const post = await fleet.waitForPost(created.id, isFinal);
    expect(post.errorCode).toBe('video_path_outside_media_root');
    expect(post.errorMessage).toContain('outside the media directory');
    expect(await fleet.jobFinished('publish', created.id)).toBe('failed');
    expect((await env.queues.publish.getJob(created.id))?.attemptsMade).toBe(1);
  });

  test('a path with .. stored by a producer that skipped the checks is refused', async () => {
    await writeFile(join(env.mediaRoot, '..', 'tf-outside.mp4'), 'not in the media root');
    const { post: created } = await env.deps().posts.create({
      ownerId: OWNER,
      accountId,
      videoSourceKind: 'path',
      videoSource: '../tf-outside.mp4',
      privacyLevel: 'SELF_ONLY',
      mode: 'direct',
    });
    await enqueuePublish(env.queues, created.id);
    const post = await fleet.waitForPost(created.id, isFinal);
    expect(post.errorCode).toBe('video_path_outside_media_root');
  });

  test.each([
    ['http://127.0.0.1:9/video.mp4', '127.0.0.1'],
    ['http://localhost:9/video.mp4', '127.0.0.1'],
    ['http://[::1]:9/video.mp4', '::1'],
    ['http://169.254.169.254/latest/meta-data', '169.254.169.254'],
  ])('a url source at %s is refused before any connection', async (url, address) => {
    const created = await fleet.createPost({ accountId, video: { url } });
    const post = await fleet.waitForPost(created.id, isFinal);
    expect(post.errorCode).toBe('video_url_not_allowed');
    expect(post.errorMessage).toContain(address);
    expect(post.errorMessage).toContain('private, loopback or link-local');
    expect(await fleet.jobFinished('publish', created.id)).toBe('failed');
    expect((await env.queues.publish.getJob(created.id))?.attemptsMade).toBe(1);
  });

  test('internal addresses are told apart from public ones, IPv4 written as IPv6 included', async () => {
    // The same check runs on every address a name resolves to and on every redirect hop.
    const { isPublicAddress } = await import('../src/safe-http');
    expect(isPublicAddress('8.8.8.8')).toBe(true);
    expect(isPublicAddress('10.1.2.3')).toBe(false);
    expect(isPublicAddress('192.168.0.10')).toBe(false);
    expect(isPublicAddress('100.64.0.1')).toBe(false);
    expect(isPublicAddress('::ffff:127.0.0.1')).toBe(false);
    expect(isPublicAddress('fd00::1')).toBe(false);
    expect(isPublicAddress('fe80::1')).toBe(false);
    expect(isPublicAddress('2606:4700:4700::1111')).toBe(true);
  });
});
