import { describe, expect, test } from 'vitest';
import { startApi } from './support/harness';

const api = await startApi();

describe('health, readiness and the OpenAPI document', () => {
  test('/healthz and /readyz answer without an API key', async () => {
    expect((await api.call('GET', '/healthz', { key: null })).body).toEqual({ status: 'ok' });
    const ready = await api.call('GET', '/readyz', { key: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { redis: 'ok', postgres: 'ok' } });
  });

  test('/docs/json describes every endpoint from the zod schemas', async () => {
    const doc = await api.call('GET', '/docs/json', { key: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    const paths = Object.keys(doc.body.paths);
    for (const path of [
      '/v1/posts',
      '/v1/posts/{id}',
      '/v1/posts/{id}/cancel',
      '/v1/posts/{id}/analytics',
      '/v1/media',
      '/v1/accounts',
      '/v1/accounts/{id}',
      '/v1/accounts/connect',
      '/v1/accounts/{id}/analytics',
      '/api/integrations/tiktok/connect',
      '/api/integrations/tiktok/callback',
      '/api/integrations/tiktok/webhook',
      '/v1/accounts/{id}/posting-options',
      '/v1/fleet',
      '/v1/session',
      '/login',
      '/logout',
    ]) {
      expect(paths, path).toContain(path);
    }
    const create = doc.body.paths['/v1/posts'].post;
    // A post is a video or photos: the body is one of the two requests.
    const [body, photoBody] = create.requestBody.content['application/json'].schema.anyOf;
    expect(photoBody.required).toEqual(expect.arrayContaining(['accountId', 'photos']));
    // privacyLevel is required for a Direct Post only (a draft refuses it): the document says so.
    expect(body.required).toEqual(['accountId', 'video']);
    expect(body.properties.privacyLevel.description).toMatch(/required for a Direct Post/i);
    expect(body.additionalProperties).toBe(false);
    expect(body.properties.privacyLevel.enum).toContain('SELF_ONLY');
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['202', '400', '503']));
    expect(doc.body.components.securitySchemes.apiKey).toMatchObject({ scheme: 'bearer' });
    expect(doc.body.components.securitySchemes.session).toMatchObject({
      type: 'apiKey',
      in: 'cookie',
      name: 'tf_session',
    });
    const options = doc.body.paths['/v1/accounts/{id}/posting-options'].get;
    expect(Object.keys(options.responses)).toEqual(expect.arrayContaining(['200', '404', '429']));
    // The page's own routes are not API: they stay out of the document.
    expect(paths).not.toContain('/*');

    const ui = await fetch(`${api.baseUrl}/docs`, { redirect: 'follow' });
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  test('an unknown route answers in the error shape', async () => {
    const reply = await api.call('GET', '/v1/nothing-here');
    expect(reply.status).toBe(404);
    expect(reply.body.error.code).toBe('not_found');
  });

  test('API keys never reach the logs', async () => {
    await api.call('GET', '/v1/accounts');
    const logs = api.logs.lines().join('\n');
    expect(logs).not.toContain(api.keys.a);
    expect(logs).not.toContain(api.keys.b);
  });
});

describe('unexpected errors', () => {
  test('answer 500 internal_error with the request id, and keep the stack in the log', async () => {
    const broken = await startApi({
      extend: (app) =>
        app.get('/v1/explode', async () => {
          throw new Error('database password is hunter2 at line 42');
        }),
    });
    const reply = await broken.call('GET', '/v1/explode');
    expect(reply.status).toBe(500);
    const requestId = reply.headers.get('x-request-id');
    expect(reply.body).toEqual({
      error: {
        code: 'internal_error',
        message: expect.stringContaining(requestId ?? 'missing'),
        details: { requestId },
      },
    });
    expect(reply.text).not.toContain('hunter2');
    expect(reply.text).not.toContain('at ');
    const logged = broken.logs.lines().find((line) => line.includes('request failed'));
    expect(logged).toContain('"stack"');
  });
});
