/** The "Examples:" block at the end of a command's --help. */
export function examples(...commands: string[]): string {
  return `\nExamples:\n${commands.map((c) => `  $ ${c}`).join('\n')}\n`;
}
