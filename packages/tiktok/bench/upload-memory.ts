/**
 * Memory benchmark for the chunked upload: uploads a 1 GiB sparse file to the sandbox
 * (started in this process) and reports how much the process's RSS grew, next to a 64 MiB
 * upload in the same run as the baseline. The bar: under 64 MB of growth for 1 GB.
 *
 *   pnpm --filter @tiktok-fleet/tiktok bench
 *
 * The sandbox shares the process, so the figure is an upper bound for the client alone.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '@tiktok-fleet/tiktok-sandbox';
import { createTikTokClient } from '../src/client';

const MiB = 1024 * 1024;
const REDIRECT_URI = 'https://bench.example/callback';

interface Run {
  label: string;
  size: number;
  seconds: number;
  growthMiB: number;
  chunks: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
const rss = () => process.memoryUsage.rss();

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
const dir = await mkdtemp(join(tmpdir(), 'tiktok-bench-'));

try {
  await control('PATCH', '/config', { rateLimits: false, storeVideos: false });
  const creator = await control('POST', '/creators', { username: 'bench' });
  await control('PATCH', '/config', { autoApprove: true, autoApproveOpenId: creator.openId });
  const authorize = await fetch(
    client.buildAuthorizeUrl({
      redirectUri: REDIRECT_URI,
      scopes: ['video.publish'],
      state: 'bench',
    }),
    { redirect: 'manual' },
  );
  const code = new URL(authorize.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const { accessToken } = await client.exchangeCode({ code, redirectUri: REDIRECT_URI });

  const upload = async (label: string, size: number): Promise<Run> => {
    // Sparse: the file takes no disk space and reads as zeros, so 1 GiB costs nothing to make.
    const path = join(dir, `${label}.bin`);
    const handle = await open(path, 'w');
    await handle.truncate(size);
    await handle.close();
    try {
      const init = await client.initDirectPost(accessToken, {
        postInfo: { privacyLevel: 'SELF_ONLY' },
        source: { source: 'FILE_UPLOAD', videoSize: size },
      });
      if (!init.uploadUrl || !init.plan) throw new Error('no upload URL');
      gc?.();
      const before = rss();
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, rss());
      }, 20);
      const started = performance.now();
      await client.uploadVideo({
        uploadUrl: init.uploadUrl,
        filePath: path,
        plan: init.plan,
        onProgress: () => {
          peak = Math.max(peak, rss());
        },
      });
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      peak = Math.max(peak, rss());
      const held = (await fetch(`${sandbox.url}/_sandbox/publishes`).then((r) => r.json())) as {
        publishId: string;
        bytesReceived: number;
      }[];
      const received = held.find((p) => p.publishId === init.publishId)?.bytesReceived;
      if (received !== size) throw new Error(`sandbox received ${received} of ${size} bytes`);
      return {
        label,
        size,
        seconds,
        growthMiB: (peak - before) / MiB,
        chunks: init.plan.totalChunkCount,
      };
    } finally {
      await rm(path, { force: true });
    }
  };

  await upload('warm-up', 12 * MiB);
  // RSS moves with the garbage collector's timing; the median of three baseline runs keeps
  // one lucky or unlucky collection from setting the ratio.
  const baselines: Run[] = [];
  for (let i = 0; i < 3; i++) baselines.push(await upload('baseline-64MiB', 64 * MiB));
  baselines.sort((a, b) => a.growthMiB - b.growthMiB);
  const baseline = baselines[1] as Run;
  const big = await upload('large-1GiB', 1024 * MiB);

  const row = (r: Run) =>
    `${r.label.padEnd(16)} ${String(r.size / MiB).padStart(6)} MiB  ${String(r.chunks).padStart(4)} chunks  ` +
    `${r.seconds.toFixed(2).padStart(7)} s  ${(r.size / MiB / r.seconds).toFixed(0).padStart(5)} MiB/s  ` +
    `RSS growth ${r.growthMiB.toFixed(1).padStart(6)} MiB`;
  console.log(`upload memory (node ${process.version}, gc ${gc ? 'exposed' : 'not exposed'})`);
  console.log(
    `${row(baseline)}  (median of ${baselines.map((b) => b.growthMiB.toFixed(1)).join(', ')})`,
  );
  console.log(row(big));
  const ratio = big.growthMiB / Math.max(baseline.growthMiB, 1);
  console.log(`growth ratio 1 GiB / 64 MiB: ${ratio.toFixed(2)} (the file is 16x larger)`);
  const ok = big.growthMiB < 64;
  console.log(
    `${ok ? 'PASS' : 'FAIL'}: RSS growth for 1 GiB is ${big.growthMiB.toFixed(1)} MiB (limit 64 MiB)`,
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  client.close();
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
}
