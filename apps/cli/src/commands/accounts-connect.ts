import type { Command } from 'commander';
import { contextOf } from '../context';
import { examples } from '../help-text';
import { parseUrl } from '../option-parsers';

export function registerAccountsConnect(accounts: Command): void {
  accounts
    .command('connect')
    .description(
      "Start connecting a TikTok account: prints TikTok's authorize URL. Open it in a browser " +
        'logged into the TikTok account; it comes back connected. The link works once and expires.',
    )
    .option('--owner <id>', "the owner's user id in your backend (default: the API key's owner)")
    .option('--redirect-to <url>', 'where the browser goes once the account is connected', parseUrl)
    .addHelpText(
      'after',
      examples(
        'tiktok-fleet accounts connect',
        'tiktok-fleet accounts connect --owner user_42 --redirect-to https://backend.example/connected',
      ),
    )
    .action(async (options: { owner?: string; redirectTo?: string }, command: Command) => {
      const { output, api } = contextOf(command);
      const { authorizeUrl } = await api().connectAccount({
        ...(options.owner ? { ownerId: options.owner } : {}),
        ...(options.redirectTo ? { redirectTo: options.redirectTo } : {}),
      });
      output.result({ authorizeUrl }, () => authorizeUrl);
    });
}
