import { startSandbox } from './server';

// The sandbox as its own process, for the demo and docker compose. The client secret is
// never printed: set SANDBOX_CLIENT_SECRET to the same value as TIKTOK_CLIENT_SECRET.
const port = Number(process.env.SANDBOX_PORT ?? 4010);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`SANDBOX_PORT must be a port number, got "${process.env.SANDBOX_PORT}".`);
  process.exit(1);
}
const sandbox = await startSandbox({
  port,
  host: process.env.SANDBOX_HOST ?? '127.0.0.1',
  clientKey: process.env.SANDBOX_CLIENT_KEY || undefined,
  clientSecret: process.env.SANDBOX_CLIENT_SECRET || undefined,
  // Creators and tokens survive a restart only with a state file (npm start sets one).
  stateFile: process.env.SANDBOX_STATE_FILE || undefined,
}).catch((error: Error) => {
  // A bad state file or a port in use: one line that says what to do, no stack.
  console.error(`tiktok-sandbox: ${error.message}`);
  process.exit(1);
});
console.log(`TikTok sandbox listening on ${sandbox.url}`);
console.log(`  TIKTOK_API_BASE_URL=${sandbox.url}`);
console.log(`  TIKTOK_AUTH_URL=${sandbox.authorizeUrl}`);
console.log(`  client key: ${sandbox.clientKey}`);
if (process.env.SANDBOX_STATE_FILE) console.log(`  state file: ${process.env.SANDBOX_STATE_FILE}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
