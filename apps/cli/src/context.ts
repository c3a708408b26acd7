import type { Command } from 'commander';
import { ApiClient } from './api-client';
import { Output } from './output';

/** The options every command takes (declared once on the program). */
export interface GlobalOptions {
  apiUrl: string;
  apiKey?: string;
  json: boolean;
}

export interface CommandContext {
  output: Output;
  /** Made on first use, so commands that talk to PostgreSQL or Redis never need a key. */
  api(): ApiClient;
}

export function contextOf(command: Command): CommandContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  return {
    output: new Output(Boolean(options.json)),
    api: () => new ApiClient(options.apiUrl, options.apiKey),
  };
}
