import { readFile } from 'node:fs/promises';
import { expect, test } from 'vitest';
import { connectedAccountId } from './support/connect';
import { OWNER_A, startApi } from './support/harness';

// The API request cases of the bad-input corpus (fixtures/bad-input/cases/api.json), each
// sent to a running API over HTTP. The corpus's own test (one file for every case of the
// corpus) may take these over; this one proves the API cases as they are written.
interface CorpusCase {
  name: string;
  request: {
    method: string;
    path: string;
    headers?: Record<string, string>;
    body?: unknown;
    rawBody?: string;
  };
  expect: { status: number; code: string };
}

const cases: CorpusCase[] = JSON.parse(
  await readFile(new URL('../../../fixtures/bad-input/cases/api.json', import.meta.url), 'utf8'),
);
const api = await startApi();

test(`every API case of the bad-input corpus (${cases.length}) ends with its status and code`, async () => {
  const accountId = await connectedAccountId(api);
  const fill = (text: string) =>
    text
      .replaceAll('{{accountId}}', accountId)
      .replaceAll('{{ownerId}}', OWNER_A)
      .replaceAll('{{videoPath}}', 'uploads/none.mp4');
  const rows: Array<{ case: string; expected: string; got: string; ms: number }> = [];
  for (const item of cases) {
    const headers: Record<string, string> = { authorization: `Bearer ${api.keys.a}` };
    for (const [name, value] of Object.entries(item.request.headers ?? {})) {
      if (value === '') delete headers[name.toLowerCase()];
      else headers[name.toLowerCase()] = fill(value);
    }
    let body: string | undefined;
    if (item.request.rawBody !== undefined) body = fill(item.request.rawBody);
    else if (item.request.body !== undefined) {
      body = fill(JSON.stringify(item.request.body));
      headers['content-type'] ??= 'application/json';
    }
    const started = performance.now();
    const response = await fetch(`${api.baseUrl}${fill(item.request.path)}`, {
      method: item.request.method,
      headers,
      body,
      redirect: 'manual',
    });
    const text = await response.text();
    let code = '(no code)';
    try {
      code = JSON.parse(text).error?.code ?? code;
    } catch {}
    rows.push({
      case: item.name,
      expected: `${item.expect.status} ${item.expect.code}`,
      got: `${response.status} ${code}`,
      ms: Math.round(performance.now() - started),
    });
  }
  console.table(rows);
  expect(rows.filter((row) => row.expected !== row.got)).toEqual([]);
  expect(rows.filter((row) => row.got.startsWith('5'))).toEqual([]);
});
