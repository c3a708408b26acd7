import type { Command } from 'commander';
import { contextOf } from '../context';
import { examples } from '../help-text';
import { formatDate, formatTable } from '../table';

export function registerAccountsList(accounts: Command): void {
  accounts
    .command('list')
    .description('List the TikTok accounts connected under this API key.')
    .addHelpText(
      'after',
      examples('tiktok-fleet accounts list', 'tiktok-fleet accounts list --json'),
    )
    .action(async (_options: unknown, command: Command) => {
      const { output, api } = contextOf(command);
      const list = await api().listAccounts();
      output.result({ accounts: list }, () =>
        list.length === 0
          ? 'No accounts yet. Connect one with: tiktok-fleet accounts connect'
          : formatTable(
              ['ID', 'USERNAME', 'NAME', 'STATUS', 'CONNECTED'],
              list.map((a) => [
                a.id,
                a.username ? `@${a.username}` : '-',
                a.displayName ?? a.creator?.nickname ?? '-',
                a.status ?? '-',
                formatDate(a.createdAt),
              ]),
            ),
      );
    });
}
