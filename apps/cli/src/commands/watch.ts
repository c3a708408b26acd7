import type { Command } from 'commander';
import { contextOf } from '../context';
import { followPost, reportFinalPost } from '../follow-post';
import { examples } from '../help-text';

export function registerWatch(program: Command): void {
  program
    .command('watch')
    .description(
      "Follow a post to the end: TikTok's upload as a progress bar, then processing and the share URL.",
    )
    .argument('<postId>', 'the post id (post_...)')
    .addHelpText(
      'after',
      examples(
        'tiktok-fleet watch post_0abc...',
        'tiktok-fleet watch post_0abc... --json | jq .tiktok',
      ),
    )
    .action(async (postId: string, _options: unknown, command: Command) => {
      const { output, api } = contextOf(command);
      reportFinalPost(await followPost({ client: api(), postId, output }), output);
    });
}
