/**
 * Latency benchmark: the timings the tests leave out (tests assert behaviour, never speed).
 * Against the sandbox, started in this process:
 * - a latency fault of 300 ms, and a configured latency of 200 ms, really hold a request that
 *   long, and the control API is never held;
 * - an abort cuts a chunk in flight at once, instead of waiting for TikTok's answer.
 *
 *   pnpm --filter @tiktok-fleet/tiktok bench:latency
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '@tiktok-fleet/tiktok-sandbox';
import { createTikTokClient } from '../src/client';

const MiB = 1024 * 1024;
const REDIRECT_URI = 'https://bench.example/callback';

const sandbox = await startSandbox({ port: 0 });
const control = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${sandbox.url}/_sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`sandbox ${path}: ${res.status}`);
  return res.json() as Promise<Record<string, unknown>>;
};
const client = createTikTokClient({
  clientKey: sandbox.clientKey,
  clientSecret: sandbox.clientSecret,
  apiBaseUrl: sandbox.url,
  authUrl: sandbox.authorizeUrl,
});
const dir = await mkdtemp(join(tmpdir(), 'tiktok-latency-'));
const timed = async (fn: () => Promise<unknown>) => {
  const started = performance.now();
  await fn();
  return performance.now() - started;
};
const results: { what: string; ms: number; ok: boolean; bar: string }[] = [];
const record = (what: string, ms: number, ok: boolean, bar: string) =>
  results.push({ what, ms, ok, bar });

try {
  await control('PATCH', '/config', { rateLimits: false, storeVideos: false });
  const creator = await control('POST', '/creators', { username: 'latency' });
  await control('PATCH', '/config', { autoApprove: true, autoApproveOpenId: creator.openId });
  const authorize = await fetch(
    client.buildAuthorizeUrl({ redirectUri: REDIRECT_URI, scopes: ['video.publish'], state: 's' }),
    { redirect: 'manual' },
  );
  const code = new URL(authorize.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const { accessToken } = await client.exchangeCode({ code, redirectUri: REDIRECT_URI });
  const path = join(dir, 'video.bin');
  await writeFile(path, Buffer.alloc(12 * MiB));
  const init = () =>
    client.initDirectPost(accessToken, {
      postInfo: { privacyLevel: 'SELF_ONLY' },
      source: { source: 'FILE_UPLOAD', videoSize: 12 * MiB, chunkSize: 5 * MiB },
    });

  const plain = await timed(init);
  record('init, no latency', plain, plain < 150, '< 150 ms');
  await control('POST', '/faults', { latencyMs: 300 });
  const faulted = await timed(init);
  record('init after a 300 ms latency fault', faulted, faulted >= 290, '>= 290 ms');
  const next = await timed(init);
  record('the init after it (fault spent)', next, next < 150, '< 150 ms');

  await control('PATCH', '/config', { latencyMs: 200 });
  const configured = await timed(init);
  record('init with latencyMs 200', configured, configured >= 190, '>= 190 ms');
  const controlApi = await timed(() => control('GET', '/config'));
  record('control API with latencyMs 200', controlApi, controlApi < 150, '< 150 ms');
  await control('PATCH', '/config', { latencyMs: 0 });

  const open = await init();
  await control('POST', '/faults', { latencyMs: 2000 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const aborted = await timed(() =>
    client
      .uploadVideo({
        uploadUrl: open.uploadUrl as string,
        filePath: path,
        plan: open.plan as NonNullable<typeof open.plan>,
        signal: controller.signal,
      })
      .catch(() => undefined),
  );
  record('upload aborted 100 ms into a 2 s chunk', aborted, aborted < 1900, '< 1900 ms');

  console.log(`latency (node ${process.version})`);
  for (const r of results) {
    console.log(
      `${r.ok ? 'PASS' : 'FAIL'}  ${r.what.padEnd(42)} ${r.ms.toFixed(0).padStart(6)} ms  (${r.bar})`,
    );
  }
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
} finally {
  client.close();
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
}
