import type { Command } from 'commander';
import { ApiRequestError } from '../api-errors';
import { contextOf } from '../context';
import { UsageError } from '../errors';
import { examples } from '../help-text';
import { parseUrl } from '../option-parsers';

/** The API refused the request because it wants a redirect target. */
function asksForRedirect(error: unknown): boolean {
  if (!(error instanceof ApiRequestError) || error.apiCode !== 'invalid_request') return false;
  const details = Array.isArray(error.details) ? error.details : [];
  return (
    details.some((d) => String(d.field).endsWith('redirectTo')) ||
    /redirectTo/.test(error.apiMessage)
  );
}

export function registerAccountsConnect(accounts: Command): void {
  accounts
    .command('connect')
    .description(
      "Start connecting a TikTok account: prints TikTok's authorize URL (alone on stdout). " +
        'Open it in a browser logged into the TikTok account; after the approval the browser ' +
        'goes to --redirect-to with ?accountId=... added. The link works once and expires.',
    )
    .option('--owner <id>', "the owner's user id in your backend (default: the API key's owner)")
    .option('--redirect-to <url>', 'where the browser goes once the account is connected', parseUrl)
    .addHelpText(
      'after',
      examples(
        'tiktok-fleet accounts connect --redirect-to https://backend.example/tiktok/connected',
        'tiktok-fleet accounts connect --owner user_42 --redirect-to https://backend.example/connected --json',
      ),
    )
    .action(async (options: { owner?: string; redirectTo?: string }, command: Command) => {
      const { output, api } = contextOf(command);
      let started: { authorizeUrl: string; expiresAt?: string };
      try {
        started = await api().connectAccount({
          ...(options.owner ? { ownerId: options.owner } : {}),
          ...(options.redirectTo ? { redirectTo: options.redirectTo } : {}),
        });
      } catch (error) {
        // Whether a redirect is optional is the API's call; say plainly what it wants.
        if (!options.redirectTo && asksForRedirect(error)) {
          throw new UsageError(
            'This API needs to know where to send the browser afterwards: pass --redirect-to <url>.',
          );
        }
        throw error;
      }
      output.result(started, () => started.authorizeUrl);
      if (!output.json) {
        const until = started.expiresAt ? `, until ${started.expiresAt}` : '';
        process.stderr.write(
          `Open this link in a browser logged into the TikTok account; it works once${until}.\n`,
        );
      }
    });
}
