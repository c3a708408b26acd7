import { createApiKeyRepository } from '@tiktok-fleet/db';
import type { Command } from 'commander';
import { contextOf } from '../context';
import { CliError } from '../errors';
import { examples } from '../help-text';
import { withDatabase } from '../operator-db';

export function registerKeysRevoke(keys: Command): void {
  keys
    .command('revoke')
    .description('Revoke an API key at once: the API refuses it from the next request on.')
    .argument('<id>', 'the key id (key_..., from `keys list`)')
    .addHelpText('after', examples('tiktok-fleet keys revoke key_0abc...'))
    .action(async (id: string, _options: unknown, command: Command) => {
      const { output } = contextOf(command);
      const revoked = await withDatabase((db) => createApiKeyRepository(db).revoke(id));
      if (!revoked) {
        throw new CliError(
          'key_not_found',
          `No live API key ${id}: it does not exist or is already revoked (see keys list).`,
        );
      }
      output.result({ id, revoked: true }, () => `Revoked API key ${id}.`);
    });
}
