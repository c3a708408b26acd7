import { basename } from 'node:path';
import { PRIVACY_LEVELS } from '@tiktok-fleet/posts';
import { type Command, Option } from 'commander';
import type { ApiClient, PostResource } from '../api-client';
import { ApiRequestError } from '../api-errors';
import { type CommandContext, contextOf } from '../context';
import { CliError, EXIT_USAGE } from '../errors';
import { followPost, reportFinalPost } from '../follow-post';
import { percentOf } from '../format-bytes';
import { examples } from '../help-text';
import { hashFile, publishIdempotencyKey } from '../idempotency-key';
import { parseSchedule, parseUrl } from '../option-parsers';
import { sendLine } from '../post-progress';
import { createProgressDisplay } from '../progress-display';
import { fileSize, uploadMedia } from '../upload-media';

interface PublishOptions {
  account: string;
  caption: string;
  privacy?: string;
  mode: 'direct' | 'draft';
  schedule?: string;
  callback?: string;
  idempotencyKey?: string;
  wait: boolean;
}

export function registerPublish(program: Command): void {
  program
    .command('publish')
    .description(
      'Upload a local video and publish it to a TikTok account, following it to the end.\n' +
        'Running it again with the same file, account and caption returns the first post ' +
        'instead of posting twice.',
    )
    .argument('<file>', 'the video file (mp4, mov or webm)')
    .requiredOption('-a, --account <id>', 'the account to post to (see `accounts list`)')
    .option(
      '-c, --caption <text>',
      'the caption, hashtags and mentions included (not for drafts)',
      '',
    )
    .addOption(
      new Option(
        '--privacy <level>',
        'who may see the post (default: SELF_ONLY; not for drafts, the creator chooses in the app)',
      ).choices(PRIVACY_LEVELS),
    )
    .addOption(
      new Option('--mode <mode>', "direct: post it; draft: send it to the creator's inbox")
        .choices(['direct', 'draft'])
        .default('direct'),
    )
    .option('--schedule <iso>', 'publish at this time (ISO 8601 with a zone)', parseSchedule)
    .option('--callback <url>', 'where the fleet POSTs the outcome (signed)', parseUrl)
    .option(
      '--idempotency-key <key>',
      'your own key instead of the one made from file, account and caption',
    )
    .option('--no-wait', 'stop once the post is queued instead of following it')
    .addHelpText(
      'after',
      examples(
        'tiktok-fleet publish launch.mp4 --account acc_1234 --caption "Launch day #demo"',
        'tiktok-fleet publish launch.mp4 -a acc_1234 --privacy PUBLIC_TO_EVERYONE',
        'tiktok-fleet publish launch.mp4 -a acc_1234 --mode draft',
        'tiktok-fleet publish launch.mp4 -a acc_1234 --schedule 2026-12-01T09:30:00Z',
        'tiktok-fleet publish launch.mp4 -a acc_1234 --no-wait --json | jq -r .id',
      ),
    )
    .action(async (file: string, options: PublishOptions, command: Command) => {
      if (options.mode === 'draft') refuseDirectPostOptions(command);
      await publish(file, options, contextOf(command));
    });
}

/**
 * A draft goes to the creator's inbox with the video only (TikTok's inbox upload takes no
 * caption or privacy level), and the API refuses them on a draft: say so before the upload.
 */
function refuseDirectPostOptions(command: Command): void {
  const given = ['caption', 'privacy'].filter(
    (name) => command.getOptionValueSource(name) === 'cli',
  );
  if (given.length === 0) return;
  throw new CliError(
    'usage',
    `${given.map((name) => `--${name}`).join(' and ')} cannot be used with --mode draft: a draft ` +
      "goes to the creator's TikTok inbox with the video only, and the creator writes the " +
      'caption and chooses who can see it in the TikTok app. Leave them out, or use --mode direct.',
    EXIT_USAGE,
  );
}

async function publish(file: string, options: PublishOptions, ctx: CommandContext): Promise<void> {
  const { output } = ctx;
  // Everything that can be refused is checked before a byte is sent: the file, the API, the
  // key and the account. A big upload should not end in "wrong key".
  const size = await fileSize(file);
  const api = ctx.api();
  await checkAccount(api, options.account);

  const idempotencyKey =
    options.idempotencyKey ??
    publishIdempotencyKey({
      fileSha256: await hashFile(file),
      accountId: options.account,
      caption: options.caption,
    });

  const display = createProgressDisplay(output.human, { title: 'Sending', lineStep: 10 });
  const name = basename(file);
  const report = (sent: number) =>
    display.update({
      done: sent,
      total: size,
      percent: percentOf(sent, size),
      label: name,
      line: sendLine(name, sent, size),
    });
  report(0);
  let media: { path: string };
  try {
    media = await uploadMedia(api, file, size, report);
  } finally {
    display.stop();
  }

  const request: PostRequestBody = {
    accountId: options.account,
    video: { path: media.path },
    ...(options.mode === 'direct' && {
      caption: options.caption,
      privacyLevel: options.privacy ?? 'SELF_ONLY',
    }),
    mode: options.mode,
    scheduledAt: options.schedule ?? null,
    ...(options.callback ? { callbackUrl: options.callback } : {}),
  };
  const { post, created } = await createOrReplay(api, request, idempotencyKey, {
    derivedKey: options.idempotencyKey === undefined,
  });
  output.note(
    created
      ? `Created post ${post.id} (${post.status}).`
      : `Post ${post.id} was created by an earlier run with this file, account and caption; following it instead of posting again.`,
  );

  if (!options.wait || isScheduledLater(post)) {
    output.result(post, () => waitHint(post));
    return;
  }
  reportFinalPost(await followPost({ client: api, postId: post.id, output }), output);
}

interface PostRequestBody {
  accountId: string;
  video: { path: string };
  /** Direct Post only, as the privacy level. */
  caption?: string;
  privacyLevel?: string;
  mode: 'direct' | 'draft';
  scheduledAt: string | null;
  callbackUrl?: string;
}

/**
 * Creates the post, or finds the one an earlier run made. POST /v1/media stores every upload
 * under a new name, so a re-run's request differs from the first in `video.path` and the
 * API answers `idempotency_key_reused` with the earlier post's id. The key stands for the
 * publish (a derived one pins the file's content, account and caption; a given one is the
 * caller's word); when the earlier post also matches everything else, it is the same
 * publish and is followed instead of posting twice.
 */
async function createOrReplay(
  api: ApiClient,
  request: PostRequestBody,
  idempotencyKey: string,
  { derivedKey }: { derivedKey: boolean },
): Promise<{ post: PostResource; created: boolean }> {
  try {
    return await api.createPost({ ...request }, idempotencyKey);
  } catch (error) {
    const earlierId = (error as ApiRequestError).details as { postId?: unknown } | undefined;
    if (
      !(error instanceof ApiRequestError) ||
      error.apiCode !== 'idempotency_key_reused' ||
      typeof earlierId?.postId !== 'string'
    ) {
      throw error;
    }
    const earlier = await api.getPost(earlierId.postId);
    const differing = differingFields(earlier, request);
    if (differing.length === 0) return { post: earlier, created: false };
    throw new CliError(
      'idempotency_key_reused',
      derivedKey
        ? `This video was already sent to ${request.accountId} with this caption as post ` +
            `${earlier.id}, with a different ${differing.join(', ')}. To post it again ` +
            'anyway, pass --idempotency-key with a new key.'
        : `The Idempotency-Key was already used for post ${earlier.id}, with a different ` +
            `${differing.join(', ')}. Use a new key for a new post.`,
    );
  }
}

/** What a re-run may not change (the video path always changes; see createOrReplay). */
function differingFields(earlier: PostResource, request: PostRequestBody): string[] {
  const time = (iso: string | null) => (iso === null ? null : Date.parse(iso));
  const checks: Array<[string, boolean]> = [
    ['account', earlier.accountId !== request.accountId],
    ['caption', earlier.caption !== (request.caption ?? '')],
    ['privacy level', earlier.privacyLevel !== (request.privacyLevel ?? null)],
    ['mode', earlier.mode !== request.mode],
    ['schedule', time(earlier.scheduledAt) !== time(request.scheduledAt)],
    ['callback URL', (earlier.callbackUrl ?? undefined) !== request.callbackUrl],
  ];
  return checks.filter(([, differs]) => differs).map(([name]) => name);
}

/** Fails early with the API's own error (unknown account, wrong key, API down). */
async function checkAccount(api: ApiClient, accountId: string): Promise<void> {
  const account = await api.getAccount(accountId);
  if (account.status && account.status !== 'active') {
    throw new CliError(
      `account_${account.status}`,
      `Account ${accountId} is ${account.status}${account.statusReason ? ` (${account.statusReason})` : ''}: ` +
        'its owner must connect it again (tiktok-fleet accounts connect).',
    );
  }
}

function isScheduledLater(post: PostResource): boolean {
  return post.scheduledAt !== null && Date.parse(post.scheduledAt) > Date.now() + 60_000;
}

function waitHint(post: PostResource): string {
  const when = post.scheduledAt ? ` for ${post.scheduledAt}` : '';
  return `Post ${post.id} is ${post.status}${when}. Follow it with: tiktok-fleet watch ${post.id}`;
}
