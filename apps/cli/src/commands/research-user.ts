import type { Command } from 'commander';
import { contextOf } from '../context';
import { examples } from '../help-text';

export function registerResearchUser(research: Command): void {
  research
    .command('user <username>')
    .description("A public account's profile and counts from the Research API (operator key).")
    .addHelpText('after', examples('tiktok-fleet research user tiktok --json'))
    .action(async (username: string, _options: unknown, command: Command) => {
      const { output, api } = contextOf(command);
      const { body } = await api().request<Record<string, unknown>>(
        'GET',
        `/v1/research/users/${encodeURIComponent(username.replace(/^@/, ''))}`,
      );
      output.result(body, () =>
        Object.entries(body)
          .filter(([name]) => name !== 'budget')
          .map(([name, value]) => `${name.padEnd(16)} ${String(value)}`)
          .join('\n'),
      );
    });
}
