import { copyFile, open } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { waitUntil } from '@tiktok-fleet/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoRoot } from '../support/files';
import { type ProcessFleet, startProcessFleet } from './support/fleet';

/**
 * One post traced end to end across the fleet's processes: the API and the worker export
 * over OTLP/HTTP (JSON) to a receiver in this test, and the spans of the post make one
 * trace: POST /v1/posts -> publish job -> TikTok init -> chunk PUTs -> status poll -> callback.
 */

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: Array<{ key: string; value: Record<string, unknown> }>;
  service: string;
}
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

const spans: OtlpSpan[] = [];
const callbacks: IncomingHttpHeaders[] = [];
let receiver: Server;
let callbackServer: Server;
let fleet: ProcessFleet;

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** The spans of one OTLP/HTTP JSON export request, each with its service's name. */
function readExport(body: string): OtlpSpan[] {
  const request = JSON.parse(body) as {
    resourceSpans: Array<{
      resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
      scopeSpans: Array<{ spans: Omit<OtlpSpan, 'service'>[] }>;
    }>;
  };
  return request.resourceSpans.flatMap((rs) => {
    const service =
      rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
    return rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => ({ ...s, service })));
  });
}

const attr = (span: OtlpSpan, ...keys: string[]) => {
  for (const key of keys) {
    const value = span.attributes?.find((a) => a.key === key)?.value;
    if (value) return String(Object.values(value)[0]);
  }
  return undefined;
};
const urlOf = (span: OtlpSpan) => attr(span, 'url.full', 'http.url') ?? '';

/** A ~10.7 MB MP4: a fixture with a `free` box after it, so its upload takes two chunk PUTs. */
async function twoChunkVideo(target: string) {
  await copyFile(join(repoRoot, 'fixtures', 'videos', 'valid-vertical.mp4'), target);
  const size = 10.5 * 1024 * 1024;
  const header = Buffer.alloc(8);
  header.writeUInt32BE(size, 0);
  header.write('free', 4, 'latin1');
  const file = await open(target, 'a');
  await file.write(header);
  await file.write(Buffer.alloc(size - 8));
  await file.close();
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type']?.includes('json')) {
        spans.push(...readExport(body));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  callbackServer = createServer((req, res) => {
    callbacks.push(req.headers);
    req.resume();
    res.writeHead(204).end();
  });
  const [receiverUrl] = await Promise.all([listen(receiver), listen(callbackServer)]);
  fleet = await startProcessFleet({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
    UPLOAD_CHUNK_SIZE_BYTES: String(5 * 1024 * 1024),
  });
}, 90_000);

afterAll(async () => {
  await fleet?.close();
  receiver?.close();
  callbackServer?.close();
}, 30_000);

it('traces one post from POST /v1/posts to its callback, across the API and the worker', async () => {
  const accountId = await fleet.connectAccount();
  const path = await fleet.addMedia('valid-vertical.mp4', 'two-chunks.mp4');
  await twoChunkVideo(join(fleet.mediaRoot, path));
  const { port } = callbackServer.address() as AddressInfo;
  const created = await fleet.call('POST', '/v1/posts', {
    accountId,
    video: { path },
    privacyLevel: 'SELF_ONLY',
    caption: 'traced',
    callbackUrl: `http://127.0.0.1:${port}/hooks/tiktok`,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  const post = await fleet.waitForFinal(created.body.id);
  expect(post.status).toBe('published');

  const isPostRequest = (s: OtlpSpan) =>
    s.kind === SERVER &&
    s.service === 'tiktok-fleet-api' &&
    attr(s, 'http.request.method', 'http.method') === 'POST' &&
    (attr(s, 'url.path', 'http.target') ?? '').startsWith('/v1/posts');
  const root = await waitUntil(() => spans.find(isPostRequest), {
    timeoutMs: 10_000,
    intervalMs: 100,
    what: 'the API span of POST /v1/posts',
    describe: () => spans.map((s) => `${s.service} ${s.kind} ${s.name}`).join('\n'),
  });
  const traceOf = () => spans.filter((s) => s.traceId === root.traceId);
  const isCallback = (s: OtlpSpan) => s.kind === CLIENT && urlOf(s).includes('/hooks/tiktok');
  // A span is exported when it ends, so a parent comes after its children: wait for the
  // callback and for every parent of the trace (the notify job's span ends last).
  const complete = (trace: OtlpSpan[]) => {
    const ids = new Set(trace.map((s) => s.spanId));
    return trace.some(isCallback) && trace.every((s) => !s.parentSpanId || ids.has(s.parentSpanId));
  };
  await waitUntil(() => complete(traceOf()), {
    timeoutMs: 15_000,
    intervalMs: 100,
    what: "the callback's span in the post's trace",
    describe: () =>
      traceOf()
        .map((s) => `${s.service} ${s.kind} ${s.name} ${urlOf(s)}`)
        .join('\n'),
  });

  // Named after its route, not just the method.
  expect(root.name).toBe('POST /v1/posts');
  const trace = traceOf();
  const describe = trace.map((s) => `${s.service} kind=${s.kind} ${s.name} ${urlOf(s)}`).join('\n');
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  // Every span of the trace hangs from the API's span: one tree, no orphan.
  for (const span of trace) {
    let at: OtlpSpan | undefined = span;
    while (at?.parentSpanId) at = byId.get(at.parentSpanId);
    expect(at?.spanId, `${span.name} is not under POST /v1/posts:\n${describe}`).toBe(root.spanId);
  }
  const consumers = (queue: string) =>
    trace.filter(
      (s) => s.kind === CONSUMER && s.service === 'tiktok-fleet-worker' && s.name.includes(queue),
    );
  expect(
    trace.some((s) => s.kind === PRODUCER && s.service === 'tiktok-fleet-api'),
    describe,
  ).toBe(true);
  expect(consumers('publish').length, describe).toBeGreaterThan(0);
  const tiktok = (part: string) =>
    trace.filter(
      (s) => s.kind === CLIENT && s.service === 'tiktok-fleet-worker' && urlOf(s).includes(part),
    );
  expect(tiktok('/v2/post/publish/video/init/').length, describe).toBe(1);
  const puts = trace.filter(
    (s) => s.kind === CLIENT && attr(s, 'http.request.method', 'http.method') === 'PUT',
  );
  expect(puts.length, describe).toBe(2);
  expect(consumers('status').length, describe).toBeGreaterThan(0);
  expect(tiktok('/v2/post/publish/status/fetch/').length, describe).toBeGreaterThan(0);
  expect(consumers('notify').length, describe).toBeGreaterThan(0);
  // The callback's receiver got the trace context too.
  expect(callbacks.at(-1)?.traceparent).toContain(root.traceId);

  // The post's log lines carry the trace id, in the API and in the worker.
  const logged = (app: 'api' | 'worker') =>
    fleet.apps[app].lines.filter(
      (l) => l.includes(post.id) && l.includes(`"trace_id":"${root.traceId}"`),
    );
  expect(logged('api').length, fleet.describeApps()).toBeGreaterThan(0);
  expect(logged('worker').length, fleet.describeApps()).toBeGreaterThan(0);
}, 60_000);
