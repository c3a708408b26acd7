import { run } from './run';

process.exitCode = await run(process.argv);
// Open handles (a keep-alive socket, a pool closing) must not hold the exit; an unref'd timer
// only fires when something else still keeps the process alive.
setTimeout(() => process.exit(), 2_000).unref();
