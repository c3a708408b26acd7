import { Command, Option } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { registerAccountsConnect } from './commands/accounts-connect';
import { registerAccountsList } from './commands/accounts-list';
import { registerAccountsShow } from './commands/accounts-show';
import { registerKeysCreate } from './commands/keys-create';
import { registerKeysList } from './commands/keys-list';
import { registerKeysRevoke } from './commands/keys-revoke';
import { registerPostsList } from './commands/posts-list';
import { registerPublish } from './commands/publish';
import { registerResearchQuery } from './commands/research-query';
import { registerResearchUser } from './commands/research-user';
import { registerStats } from './commands/stats';
import { registerWatch } from './commands/watch';
import { examples } from './help-text';

export const DEFAULT_API_URL = 'http://localhost:3001';

/**
 * The whole command tree. Settings made here before the commands are added (exit override,
 * output, help after errors) are inherited by every subcommand.
 */
export function buildProgram(): Command {
  const program = new Command('tiktok-fleet')
    .description(
      'Operate a tiktok-fleet: publish videos, watch posts, manage accounts, keys and queues.',
    )
    .version(pkg.version, '-V, --version')
    .addOption(
      new Option('--api-url <url>', 'the fleet API')
        .env('TIKTOK_FLEET_API_URL')
        .default(DEFAULT_API_URL),
    )
    .addOption(
      new Option('--api-key <key>', 'the API key to authenticate with (see keys create)').env(
        'TIKTOK_FLEET_API_KEY',
      ),
    )
    .option('--json', 'print one JSON document on stdout and nothing else there', false)
    // Throw instead of exiting, so main decides the exit code (2 for usage errors).
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      examples(
        'export TIKTOK_FLEET_API_URL=http://localhost:3001 TIKTOK_FLEET_API_KEY=tfk_...',
        'tiktok-fleet publish launch.mp4 --account acc_0abc... --caption "Launch day"',
        'tiktok-fleet watch post_0abc...',
        'tiktok-fleet posts list --status failed',
        'tiktok-fleet stats --json',
      ),
    );

  registerPublish(program);
  registerWatch(program);

  const accounts = program.command('accounts').description('Connected TikTok accounts.');
  registerAccountsList(accounts);
  registerAccountsShow(accounts);
  registerAccountsConnect(accounts);

  const posts = program.command('posts').description('Posts and their status.');
  registerPostsList(posts);

  const keys = program
    .command('keys')
    .description('API keys (operator commands: they talk to PostgreSQL directly, DATABASE_URL).');
  registerKeysCreate(keys);
  registerKeysList(keys);
  registerKeysRevoke(keys);

  const research = program
    .command('research')
    .description("TikTok's Research API through the fleet (an operator key; a daily budget).");
  registerResearchQuery(research);
  registerResearchUser(research);

  registerStats(program);
  return program;
}
