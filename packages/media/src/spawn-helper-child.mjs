// The spawn helper's child (see spawn-helper.ts): a small long-lived Node process that runs
// the programs its parent asks for. Plain JavaScript, started without the parent's loaders,
// so that it stays small: fork/exec costs grow with the size of the process that spawns.
import { execFile } from 'node:child_process';

process.on('message', (request) => {
  const { id, file, args, options } = request;
  execFile(file, args, options, (error, stdout) => {
    process.send?.({
      id,
      stdout: typeof stdout === 'string' ? stdout : String(stdout ?? ''),
      error: error
        ? { killed: error.killed === true, code: error.code ?? null, message: error.message }
        : null,
    });
  });
});

// The parent went away: nothing is left to do.
process.on('disconnect', () => process.exit(0));
