import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '@tiktok-fleet/testing/wait-until';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index';
import {
  api,
  connect,
  control,
  directInit,
  fileSource,
  form,
  putChunk,
  sandboxFor,
} from './helpers';

const statusPath = '/v2/post/publish/status/fetch/';
const userInfo = '/v2/user/info/?fields=open_id,display_name';
let dir: string;
let stateFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sandbox-state-'));
  stateFile = join(dir, 'sandbox', 'state.json');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A new sandbox on the same file (on a new port: the old one's kept-alive sockets are dead). */
async function restart(sandbox: Sandbox) {
  await sandbox.close();
  return sandboxFor({ stateFile });
}

describe('a sandbox with a state file', () => {
  it('keeps creators, tokens, publishes and its config across a restart', async () => {
    let sandbox = await sandboxFor({ stateFile });
    const creator = (await control(sandbox, 'POST', '/creators', { nickname: 'Kept Creator' }))
      .body;
    await control(sandbox, 'PATCH', '/config', {
      autoApproveOpenId: creator.openId,
      dailyPostCap: 7,
    });
    const token = await connect(sandbox);
    const init = await api(
      sandbox,
      token.access_token,
      '/v2/post/publish/video/init/',
      directInit('PUBLIC_TO_EVERYONE', fileSource(1000)),
    );
    const publishId = init.body.data.publish_id as string;
    await putChunk(init.body.data.upload_url, randomBytes(1000), 0, 1000);
    const postId = await waitUntil(async () => {
      const res = await api(sandbox, token.access_token, statusPath, { publish_id: publishId });
      return /"publicaly_available_post_id":\[(\d+)\]/.exec(res.raw)?.[1];
    });

    sandbox = await restart(sandbox);
    try {
      const me = await api(sandbox, token.access_token, userInfo, undefined, 'GET');
      expect(me.status).toBe(200);
      expect(me.body.data.user).toMatchObject({
        open_id: creator.openId,
        display_name: 'Kept Creator',
      });
      const status = await api(sandbox, token.access_token, statusPath, {
        publish_id: publishId,
      });
      expect(status.body.data.status).toBe('PUBLISH_COMPLETE');
      // The 19-digit id, exact: it went through the file as a string, not a float.
      expect(status.raw).toContain(`"publicaly_available_post_id":[${postId}]`);
      expect((await control(sandbox, 'GET', '/config')).body.dailyPostCap).toBe(7);

      // The refresh token works too, and rotating it is remembered by the next restart.
      const refreshed = await form(sandbox, '/v2/oauth/token/', {
        client_key: sandbox.clientKey,
        client_secret: sandbox.clientSecret,
        grant_type: 'refresh_token',
        refresh_token: token.refresh_token,
      });
      expect(refreshed.status).toBe(200);
      sandbox = await restart(sandbox);
      const fresh = await api(sandbox, refreshed.body.access_token, userInfo, undefined, 'GET');
      expect(fresh.body.data.user.open_id).toBe(creator.openId);
      const reused = await form(sandbox, '/v2/oauth/token/', {
        client_key: sandbox.clientKey,
        client_secret: sandbox.clientSecret,
        grant_type: 'refresh_token',
        refresh_token: token.refresh_token,
      });
      expect(reused.status).not.toBe(200);
    } finally {
      await sandbox.close();
    }
  });

  it('keeps its clock across a restart: a token expired by advancing it stays expired', async () => {
    await rm(stateFile, { force: true });
    let sandbox = await sandboxFor({ stateFile });
    try {
      await control(sandbox, 'POST', '/creators', {});
      const token = await connect(sandbox);
      expect((await api(sandbox, token.access_token, userInfo, undefined, 'GET')).status).toBe(200);
      // An access token lives 24 h.
      await control(sandbox, 'POST', '/clock', { advanceMs: 24 * 3600_000 + 1_000 });
      expect((await api(sandbox, token.access_token, userInfo, undefined, 'GET')).status).toBe(401);
      sandbox = await restart(sandbox);
      expect((await control(sandbox, 'GET', '/clock')).body.offsetMs).toBe(24 * 3600_000 + 1_000);
      expect((await api(sandbox, token.access_token, userInfo, undefined, 'GET')).status).toBe(401);
    } finally {
      await sandbox.close();
    }
  });

  it('fails an upload cut by the restart, as TikTok fails a publish it lost', async () => {
    await rm(stateFile, { force: true });
    let sandbox = await sandboxFor({ stateFile });
    const token = await connect(sandbox);
    const init = await api(
      sandbox,
      token.access_token,
      '/v2/post/publish/video/init/',
      directInit('SELF_ONLY', fileSource(12_000_000, 6_000_000, 2)),
    );
    await putChunk(init.body.data.upload_url, randomBytes(6_000_000), 0, 12_000_000);
    sandbox = await restart(sandbox);
    try {
      const status = await api(sandbox, token.access_token, statusPath, {
        publish_id: init.body.data.publish_id,
      });
      expect(status.body.data).toMatchObject({ status: 'FAILED', fail_reason: 'internal' });
    } finally {
      await sandbox.close();
    }
  });

  it('refuses a state file made for another client key, saying what to do', async () => {
    const sandbox = await sandboxFor({ stateFile });
    await connect(sandbox);
    await sandbox.close();
    expect(JSON.parse(await readFile(stateFile, 'utf8')).accessTokens).not.toHaveLength(0);
    await expect(startSandbox({ port: 0, stateFile, clientKey: 'another-app' })).rejects.toThrow(
      /holds the tokens of client key sbawsandboxclientkey.*move the file away/,
    );
    await writeFile(stateFile, '{ not json');
    await expect(startSandbox({ port: 0, stateFile })).rejects.toThrow(/is not JSON/);
  });

  it('without a state file, a restart forgets every token', async () => {
    let sandbox = await sandboxFor();
    const token = await connect(sandbox);
    await sandbox.close();
    sandbox = await sandboxFor();
    try {
      const me = await api(sandbox, token.access_token, userInfo, undefined, 'GET');
      expect(me.status).toBe(401);
    } finally {
      await sandbox.close();
    }
  });
});
