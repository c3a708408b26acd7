import { POST_STATUSES } from '@tiktok-fleet/posts';
import { type Command, Option } from 'commander';
import { contextOf } from '../context';
import { examples } from '../help-text';
import { parseLimit } from '../option-parsers';
import { progressOf } from '../post-progress';
import { formatDate, formatTable } from '../table';

interface PostsListOptions {
  account?: string;
  status?: string;
  limit: number;
}

export function registerPostsList(posts: Command): void {
  posts
    .command('list')
    .description('List posts, newest first.')
    .option('-a, --account <id>', 'only the posts of this account')
    .addOption(
      new Option('-s, --status <status>', 'only posts in this status').choices(POST_STATUSES),
    )
    .option('-n, --limit <n>', 'how many (1 to 100)', parseLimit, 20)
    .addHelpText(
      'after',
      examples(
        'tiktok-fleet posts list',
        'tiktok-fleet posts list --account acc_0abc... --status failed --limit 50',
        'tiktok-fleet posts list --json | jq -r ".posts[].id"',
      ),
    )
    .action(async (options: PostsListOptions, command: Command) => {
      const { output, api } = contextOf(command);
      const page = await api().listPosts({
        accountId: options.account,
        status: options.status,
        limit: options.limit,
      });
      output.result(page, () => {
        if (page.posts.length === 0) return 'No posts match.';
        const table = formatTable(
          ['ID', 'ACCOUNT', 'STATUS', 'UPLOAD', 'CREATED', 'RESULT'],
          page.posts.map((post) => {
            const view = progressOf(post);
            return [
              post.id,
              post.accountId,
              post.status,
              view.totalBytes === null ? '-' : `${view.percent} %`,
              formatDate(post.createdAt),
              post.tiktok.shareUrl ??
                (post.error ? `${post.error.code}: ${post.error.message}` : ''),
            ];
          }),
        );
        return page.nextCursor ? `${table}\n(more: raise --limit or use --json)` : table;
      });
    });
}
