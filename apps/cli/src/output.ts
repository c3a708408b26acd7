/**
 * Where a command writes. With `--json`, stdout carries exactly one JSON document and
 * everything meant for a person (progress, notes) goes to stderr, so `| jq` always works.
 */
export class Output {
  constructor(readonly json: boolean) {}

  /** The stream for progress and notes. */
  get human(): NodeJS.WriteStream {
    return this.json ? process.stderr : process.stdout;
  }

  note(line: string): void {
    this.human.write(`${line}\n`);
  }

  /** The command's answer: the document under --json, else the text for a person. */
  result(document: unknown, text: () => string): void {
    if (this.json) process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    else {
      const out = text();
      if (out !== '') process.stdout.write(`${out}\n`);
    }
  }
}
