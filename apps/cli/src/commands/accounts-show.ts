import type { Command } from 'commander';
import { contextOf } from '../context';
import { examples } from '../help-text';
import { formatFields } from '../table';

/** Nested objects and lists as compact JSON, everything else as text. */
function display(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map(String).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function registerAccountsShow(accounts: Command): void {
  accounts
    .command('show')
    .description('Show one connected account: profile, status and what it may post.')
    .argument('<id>', 'the account id (acc_...)')
    .addHelpText('after', examples('tiktok-fleet accounts show acc_0abc...'))
    .action(async (id: string, _options: unknown, command: Command) => {
      const { output, api } = contextOf(command);
      const account = await api().getAccount(id);
      output.result(account, () =>
        formatFields(Object.entries(account).map(([key, value]) => [key, display(value)] as const)),
      );
    });
}
