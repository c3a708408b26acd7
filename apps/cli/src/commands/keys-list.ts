import { createApiKeyRepository } from '@tiktok-fleet/db';
import type { Command } from 'commander';
import { contextOf } from '../context';
import { examples } from '../help-text';
import { withDatabase } from '../operator-db';
import { formatDate, formatTable } from '../table';

export function registerKeysList(keys: Command): void {
  keys
    .command('list')
    .description('List API keys (never the keys themselves: only their first characters).')
    .option('--owner <id>', "only this owner's keys")
    .addHelpText(
      'after',
      examples('tiktok-fleet keys list', 'tiktok-fleet keys list --owner backend-1 --json'),
    )
    .action(async (options: { owner?: string }, command: Command) => {
      const { output } = contextOf(command);
      const list = await withDatabase((db) => {
        const apiKeys = createApiKeyRepository(db);
        return options.owner ? apiKeys.list(options.owner) : apiKeys.listAll();
      });
      output.result({ keys: list }, () =>
        list.length === 0
          ? 'No API keys. Create one with: tiktok-fleet keys create --owner <id>'
          : formatTable(
              ['ID', 'OWNER', 'NAME', 'PREFIX', 'CREATED', 'LAST USED', 'STATUS'],
              list.map((k) => [
                k.id,
                k.ownerId,
                k.name,
                `${k.prefix}…`,
                formatDate(k.createdAt),
                formatDate(k.lastUsedAt),
                k.revokedAt ? `revoked ${formatDate(k.revokedAt)}` : 'active',
              ]),
            ),
      );
    });
}
