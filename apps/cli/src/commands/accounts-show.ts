import type { Command } from 'commander';
import { contextOf } from '../context';
import { examples } from '../help-text';
import { formatFields } from '../table';

/** Lists comma-separated, nothing as a dash. */
function display(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map(String).join(', ');
  return String(value);
}

/** `creator: { nickname }` becomes `creator.nickname`: one field a line, nothing hidden. */
function flatten(value: Record<string, unknown>, prefix = ''): Array<readonly [string, string]> {
  return Object.entries(value).flatMap(([key, field]) =>
    field !== null && typeof field === 'object' && !Array.isArray(field)
      ? flatten(field as Record<string, unknown>, `${prefix}${key}.`)
      : [[`${prefix}${key}`, display(field)] as const],
  );
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
      output.result(account, () => formatFields(flatten(account)));
    });
}
