import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, OWNER, startFleet } from './support/fleet';

// The CLI as an operator runs it (its own process, stdout a pipe), against a whole fleet:
// sandbox, API and workers, on this file's database and Redis prefix.
const fleet = await startFleet();
let accountId: string;

/** The lines of the follow view for one post: `post_x  <stage> [NN %  ...]`. */
function followLines(stdout: string, postId: string): Array<{ stage: string; percent?: number }> {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith(`${postId}  `))
    .map((line) => {
      const [, stage = '', percent] = /^\S+ {2}(\S+)\s*(?:(\d+) %)?/.exec(line) ?? [];
      return { stage, percent: percent === undefined ? undefined : Number(percent) };
    });
}

beforeAll(async () => {
  const connect = await fleet.cli([
    'accounts',
    'connect',
    '--redirect-to',
    'https://backend.example/tiktok/connected',
    '--json',
  ]);
  expect(connect.code, connect.stderr).toBe(0);
  const { authorizeUrl } = JSON.parse(connect.stdout) as { authorizeUrl: string };
  // The sandbox auto-approves, standing in for the creator's click; the redirects are real.
  const authorize = await fetch(authorizeUrl, { redirect: 'manual' });
  const callback = await fetch(authorize.headers.get('location') ?? '', { redirect: 'manual' });
  const done = new URL(callback.headers.get('location') ?? 'about:blank');
  accountId = done.searchParams.get('accountId') ?? '';
  expect(accountId).toMatch(/^acc_/);
}, 120_000);

describe('publish', () => {
  let postId: string;

  it('uploads the file, follows the post to published and prints the share URL; the progress reaches 100 %', async () => {
    const run = await fleet.cli([
      'publish',
      fixture('valid-vertical.mp4'),
      '--account',
      accountId,
      '--caption',
      'Launch day #cli',
      '--privacy',
      'PUBLIC_TO_EVERYONE',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');

    // The local upload, one line per step, ending with every byte sent.
    expect(run.stdout).toMatch(
      /^sending valid-vertical\.mp4 {2}100 % {2}241\.8 KiB of 241\.8 KiB$/m,
    );

    postId = /^Created post (post_\w+) \(queued\)\.$/m.exec(run.stdout)?.[1] ?? '';
    expect(postId).toMatch(/^post_/);
    const lines = followLines(run.stdout, postId);
    // Not a TTY: one line per change, never a redraw.
    expect(run.stdout).not.toContain('\r');
    const percents = lines.flatMap((l) => (l.percent === undefined ? [] : [l.percent]));
    expect(percents.at(-1)).toBe(100);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    // The stages come in order and end published.
    const order = ['queued', 'scheduled', 'validating', 'uploading', 'processing', 'published'];
    const stages = lines.map((l) => l.stage);
    expect(stages.at(-1)).toBe('published');
    expect(stages.map((s) => order.indexOf(s))).toEqual(
      stages.map((s) => order.indexOf(s)).sort((a, b) => a - b),
    );

    const post = await fetch(`${fleet.apiUrl}/v1/posts/${postId}`, {
      headers: { authorization: `Bearer ${fleet.apiKey}` },
    }).then(
      (r) => r.json() as Promise<{ status: string; tiktok: { postId: string; shareUrl: string } }>,
    );
    expect(post.status).toBe('published');
    expect(post.tiktok.postId).toMatch(/^\d{19}$/);
    expect(run.stdout).toContain(
      `✓ Published post ${postId}\n  TikTok post id: ${post.tiktok.postId}\n  ${post.tiktok.shareUrl}\n`,
    );
  }, 120_000);

  it('does not post twice when run again with the same file, account and caption', async () => {
    const before = (await fleet.sandboxPublishes()).length;
    const run = await fleet.cli([
      'publish',
      fixture('valid-vertical.mp4'),
      '-a',
      accountId,
      '-c',
      'Launch day #cli',
      '--privacy',
      'PUBLIC_TO_EVERYONE',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      `Post ${postId} was created by an earlier run with this file, account and caption; following it instead of posting again.`,
    );
    expect(run.stdout).toContain(`✓ Published post ${postId}`);
    expect((await fleet.sandboxPublishes()).length).toBe(before);
  }, 120_000);

  it('refuses a re-run with other options instead of quietly following the first post', async () => {
    const run = await fleet.cli([
      'publish',
      fixture('valid-vertical.mp4'),
      '-a',
      accountId,
      '-c',
      'Launch day #cli',
      '--privacy',
      'SELF_ONLY',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `error: This video was already sent to ${accountId} with this caption as post ${postId}, with a different privacy level. To post it again anyway, pass --idempotency-key with a new key.\n`,
    );
  }, 120_000);

  it('a retry with the same --idempotency-key follows the first post; another caption under it is refused', async () => {
    const key = `ci-run-${Date.now()}`;
    const args = ['publish', fixture('valid.webm'), '-a', accountId, '--idempotency-key', key];
    const first = await fleet.cli([...args, '-c', 'Retry me', '--no-wait']);
    expect(first.code, first.stderr).toBe(0);
    const postId = /^Created post (post_\w+)/m.exec(first.stdout)?.[1];
    expect(postId).toMatch(/^post_/);

    const retry = await fleet.cli([...args, '-c', 'Retry me', '--no-wait']);
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.stdout).toContain(`Post ${postId} was created by an earlier run`);

    const other = await fleet.cli([...args, '-c', 'Something else', '--no-wait']);
    expect(other.code).toBe(1);
    expect(other.stderr).toBe(
      `error: The Idempotency-Key was already used for post ${postId}, with a different caption. Use a new key for a new post.\n`,
    );
  }, 120_000);

  it('--json --no-wait prints the queued post as one document; watch follows it to published', async () => {
    const run = await fleet.cli([
      'publish',
      fixture('valid-horizontal.mov'),
      '-a',
      accountId,
      '--mode',
      'direct',
      '--no-wait',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const queued = JSON.parse(run.stdout) as { id: string; status: string; accountId: string };
    expect(queued).toMatchObject({ status: 'queued', accountId });
    // Progress went to stderr, so stdout held only the document.
    expect(run.stderr).toContain('sending valid-horizontal.mov  100 %');

    const watch = await fleet.cli(['watch', queued.id, '--json']);
    expect(watch.code, watch.stderr).toBe(0);
    const post = JSON.parse(watch.stdout) as {
      id: string;
      status: string;
      progress: { uploadedBytes: number; totalBytes: number };
      tiktok: { shareUrl: string | null };
    };
    expect(post).toMatchObject({ id: queued.id, status: 'published' });
    expect(post.progress.uploadedBytes).toBe(post.progress.totalBytes);
    expect(watch.stderr).toMatch(new RegExp(`^${queued.id} {2}\\S+ +100 %`, 'm'));

    // SELF_ONLY, the default: TikTok gives private posts no public id, and the CLI says so.
    expect(post.tiktok.shareUrl).toBeNull();
    const human = await fleet.cli(['watch', queued.id]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(
      new RegExp(
        `^${queued.id} {2}published {2}100 % .*\\n✓ Published post ${queued.id}\\n {2}Published\\. TikTok gives no public post id`,
      ),
    );
  }, 120_000);

  it('on a terminal, both progress bars are redrawn in place and end at 100 %', async () => {
    const run = await fleet.cli(
      ['publish', fixture('valid.webm'), '-a', accountId, '-c', 'On a terminal'],
      { TERM: 'xterm' },
      { tty: true },
    );
    expect(run.code, run.stdout).toBe(0);
    // cli-progress redraws one line: the cursor goes back to column 0 instead of a new line.
    expect(run.stdout).toMatch(/Sending \[█{30}\] 100 % \| valid\.webm/);
    expect(run.stdout).toMatch(/TikTok {2}\[█{30}\] 100 % \| published/);
    expect(run.stdout).not.toMatch(/^post_\w+ {2}published/m);
    expect(run.stdout).toMatch(/✓ Published post post_\w+/);
  }, 120_000);

  it('a post scheduled for later is not followed; watch stops on Ctrl-C and says how to resume', async () => {
    const at = new Date(Date.now() + 3600_000).toISOString();
    const run = await fleet.cli([
      'publish',
      fixture('valid-vertical.mp4'),
      '-a',
      accountId,
      '-c',
      'Later',
      '--schedule',
      at,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const postId = /^Created post (post_\w+) \(scheduled\)\.$/m.exec(run.stdout)?.[1] ?? '';
    expect(run.stdout).toContain(
      `Post ${postId} is scheduled for ${at}. Follow it with: tiktok-fleet watch ${postId}\n`,
    );

    const watch = await fleet.cli(
      ['watch', postId],
      {},
      {
        interruptWhen: (out) => out.includes(`${postId}  scheduled`),
      },
    );
    expect(watch.code).toBe(130);
    expect(watch.stderr).toBe(
      `Stopped watching post ${postId}; it carries on without the CLI. Follow it again with: tiktok-fleet watch ${postId}\n`,
    );
  }, 120_000);

  it("a video TikTok refuses ends with exit 1 and the post's error code and message", async () => {
    const run = await fleet.cli(['publish', fixture('too-short.mp4'), '-a', accountId]);
    expect(run.code).toBe(1);
    const postId = /Created post (post_\w+)/.exec(run.stdout)?.[1];
    expect(run.stderr).toMatch(
      new RegExp(`^error: Post ${postId} failed: .+ \\(video_duration_too_short\\)\\n$`),
    );
  }, 120_000);

  it('a draft takes no --privacy or --caption (refused before any byte is sent) and shows no privacy level', async () => {
    const refused = await fleet.cli([
      'publish',
      fixture('valid.webm'),
      '-a',
      accountId,
      '--mode',
      'draft',
      '--privacy',
      'PUBLIC_TO_EVERYONE',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /^error: --privacy cannot be used with --mode draft: .+ or use --mode direct\.\n$/,
    );

    const run = await fleet.cli([
      'publish',
      fixture('valid.webm'),
      '-a',
      accountId,
      '--mode',
      'draft',
      '--no-wait',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      mode: 'draft',
      privacyLevel: null,
      caption: '',
    });
  }, 60_000);

  it('an unknown account is refused before any byte is sent', async () => {
    const run = await fleet.cli(['publish', fixture('valid-vertical.mp4'), '-a', 'acc_nope']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: .*acc_nope.* \(account_not_found\)\n$/);
  }, 60_000);
});

describe('accounts and posts', () => {
  it('connect without --redirect-to: the API decides whether it needs one, and the CLI says so', async () => {
    const run = await fleet.cli(['accounts', 'connect']);
    if (run.code === 0) {
      expect(run.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2\/auth\/authorize\/\?\S+\n$/);
    } else {
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        'error: This API needs to know where to send the browser afterwards: pass --redirect-to <url>.\n',
      );
    }
  }, 60_000);

  it('lists and shows the connected account', async () => {
    const list = await fleet.cli(['accounts', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).accounts).toEqual([
      expect.objectContaining({ id: accountId, ownerId: OWNER, status: 'active' }),
    ]);
    const table = await fleet.cli(['accounts', 'list']);
    expect(table.stdout).toMatch(
      new RegExp(`^ID +USERNAME +NAME +STATUS +CONNECTED\\n${accountId} .* active `),
    );
    const show = await fleet.cli(['accounts', 'show', accountId]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(new RegExp(`^id: +${accountId}$`, 'm'));
    expect(show.stdout).toMatch(/^creator\.privacyLevelOptions: +.*SELF_ONLY/m);
  }, 60_000);

  it('lists posts, filtered by status, as a table or JSON', async () => {
    const json = await fleet.cli(['posts', 'list', '--account', accountId, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const { posts } = JSON.parse(json.stdout) as { posts: Array<{ status: string }> };
    expect(posts.length).toBeGreaterThanOrEqual(3);
    const failed = await fleet.cli(['posts', 'list', '--status', 'failed', '--limit', '5']);
    expect(failed.code, failed.stderr).toBe(0);
    const rows = failed.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^ID +ACCOUNT +STATUS +UPLOAD +CREATED +RESULT$/);
    expect(rows.slice(1).length).toBeGreaterThanOrEqual(1);
    for (const row of rows.slice(1)) expect(row).toMatch(/ failed .*video_duration_too_short: /);
  }, 60_000);
});

describe('API keys', () => {
  it('a wrong key gives one clear line and exit 1', async () => {
    const run = await fleet.cli(['posts', 'list'], { TIKTOK_FLEET_API_KEY: 'tfk_not_a_real_key' });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `error: The API key was refused by ${fleet.apiUrl} (HTTP 401): it is wrong or revoked. Check --api-key or TIKTOK_FLEET_API_KEY, or create a key with \`tiktok-fleet keys create\`.\n`,
    );
  }, 60_000);

  it('keys create prints a working key once; keys revoke makes the API refuse it', async () => {
    const created = await fleet.cli([
      'keys',
      'create',
      '--owner',
      'ops-team',
      '--name',
      'ci',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout) as {
      id: string;
      key: string;
      ownerId: string;
      name: string;
    };
    expect(key).toMatchObject({ ownerId: 'ops-team', name: 'ci' });
    expect(key.key).toMatch(/^tfk_/);
    expect(created.stdout).not.toContain('hashedKey');

    const asNewOwner = await fleet.cli(['accounts', 'list', '--json', '--api-key', key.key]);
    expect(asNewOwner.code, asNewOwner.stderr).toBe(0);
    expect(JSON.parse(asNewOwner.stdout)).toEqual({ accounts: [] });

    const listed = await fleet.cli(['keys', 'list', '--owner', 'ops-team']);
    expect(listed.stdout).toMatch(
      new RegExp(`^${key.id} +ops-team +ci +${key.key.slice(0, 12)}… .* active$`, 'm'),
    );
    expect(listed.stdout).not.toContain(key.key);

    const revoked = await fleet.cli(['keys', 'revoke', key.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toBe(`Revoked API key ${key.id}.\n`);

    const refused = await fleet.cli(['accounts', 'list', '--api-key', key.key]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: The API key was refused/);

    const again = await fleet.cli(['keys', 'revoke', key.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already revoked');

    const all = await fleet.cli(['keys', 'list', '--json']);
    const keys = (
      JSON.parse(all.stdout) as { keys: Array<{ id: string; revokedAt: string | null }> }
    ).keys;
    expect(keys.find((k) => k.id === key.id)?.revokedAt).toEqual(expect.any(String));
    expect(keys.some((k) => k.revokedAt === null)).toBe(true);
  }, 120_000);
});

describe('stats', () => {
  it('shows every queue by state, the publish queue with its completed jobs', async () => {
    const json = await fleet.cli(['stats', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const stats = JSON.parse(json.stdout) as {
      queues: Array<{ queue: string; completed: number; failed: number; waiting: number }>;
    };
    expect(stats.queues.map((q) => q.queue)).toEqual([
      'publish',
      'prepare',
      'status',
      'token-refresh',
      'analytics',
      'notify',
      'reconcile',
    ]);
    const publish = stats.queues.find((q) => q.queue === 'publish');
    expect(publish?.completed).toBeGreaterThanOrEqual(2);

    const table = await fleet.cli(['stats']);
    expect(table.stdout).toMatch(
      /^QUEUE +WAITING +DELAYED +ACTIVE +COMPLETED +FAILED +PAUSED\npublish +\d+ +\d+ +\d+ +\d+ +\d+ +\d+$/m,
    );
  }, 60_000);
});
