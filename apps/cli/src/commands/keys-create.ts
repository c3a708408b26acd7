import { createApiKeyRepository } from '@tiktok-fleet/db';
import type { Command } from 'commander';
import { contextOf } from '../context';
import { examples } from '../help-text';
import { withDatabase } from '../operator-db';
import { formatDate } from '../table';

export function registerKeysCreate(keys: Command): void {
  keys
    .command('create')
    .description(
      'Create an API key for an owner (talks to PostgreSQL directly: DATABASE_URL). The key ' +
        'is printed this once; only its hash is stored.',
    )
    .requiredOption(
      '--owner <id>',
      "the owner's user id in your backend; the key acts as that user",
    )
    .option('--name <name>', 'a label to tell keys apart', 'cli')
    .addHelpText(
      'after',
      examples(
        'DATABASE_URL=postgresql://... tiktok-fleet keys create --owner backend-1 --name "prod backend"',
        'tiktok-fleet keys create --owner backend-1 --json | jq -r .key',
      ),
    )
    .action(async (options: { owner: string; name: string }, command: Command) => {
      const { output } = contextOf(command);
      const { apiKey, plaintext } = await withDatabase((db) =>
        createApiKeyRepository(db).create({ ownerId: options.owner, name: options.name }),
      );
      output.result({ ...apiKey, key: plaintext }, () =>
        [
          `Created API key ${apiKey.id} ("${apiKey.name}") for owner ${apiKey.ownerId} at ${formatDate(apiKey.createdAt)}.`,
          'Store it now: it is shown this once and cannot be recovered.',
          '',
          plaintext,
        ].join('\n'),
      );
    });
}
