import type { FastifyInstance, FastifyReply } from 'fastify';
import { parseConfigPatch } from './config';
import type { SandboxContext } from './context';
import { createCreator } from './creators';
import { complete } from './publish-machine';
import type { Publish } from './state';

function badRequest(reply: FastifyReply, err: unknown) {
  return reply.code(400).send({ error: err instanceof Error ? err.message : String(err) });
}

function publishView(p: Publish) {
  return {
    publishId: p.publishId,
    openId: p.openId,
    mode: p.mode,
    source: p.source,
    status: p.status,
    failReason: p.failReason,
    privacyLevel: p.privacyLevel,
    title: p.title,
    videoSize: p.videoSize,
    chunkSize: p.chunkSize,
    totalChunkCount: p.totalChunkCount,
    bytesReceived: p.bytesReceived,
    bytesTransferred: p.bytesTransferred,
    sha256: p.sha256,
    // What a client could have seen: ids only once publicly available.
    postIds: p.publiclyAvailable && p.postId !== null ? [p.postId.toString()] : [],
    createdAt: new Date(p.createdAt).toISOString(),
    // A photo post's images as TikTok pulled them (size, sha256, format, pixels).
    ...(p.photo && { photo: p.photo }),
  };
}

/** The sandbox's own steering API (CONTRACT.md); not part of TikTok. */
export function registerControlApi(app: FastifyInstance, ctx: SandboxContext): void {
  const { state } = ctx;

  app.post('/_sandbox/reset', async (_req, reply) => {
    state.reset();
    await ctx.videos.clear();
    return reply.send({ ok: true });
  });

  app.get('/_sandbox/config', async (_req, reply) => reply.send(state.config));

  app.patch('/_sandbox/config', async (req, reply) => {
    try {
      state.configure(parseConfigPatch(req.body));
    } catch (err) {
      return badRequest(reply, err);
    }
    return reply.send(state.config);
  });

  app.post('/_sandbox/creators', async (req, reply) => {
    try {
      return reply.code(201).send(createCreator(state, req.body ?? {}));
    } catch (err) {
      return badRequest(reply, err);
    }
  });

  app.get('/_sandbox/creators', async (_req, reply) => reply.send([...state.creators.values()]));

  app.post('/_sandbox/faults', async (req, reply) => {
    try {
      state.faults.add(req.body);
    } catch (err) {
      return badRequest(reply, err);
    }
    return reply.send({ pending: state.faults.pending() });
  });

  app.post('/_sandbox/tokens/expire', async (req, reply) => {
    const body = (req.body ?? {}) as { openId?: unknown };
    const openId = typeof body.openId === 'string' ? body.openId : null;
    let expired = 0;
    for (const token of state.accessTokens.values()) {
      if (openId === null || token.openId === openId) {
        token.expiresAt = Math.min(token.expiresAt, state.clock.now() - 1);
        expired += 1;
      }
    }
    return reply.send({ expired });
  });

  const clockView = () => ({
    now: new Date(state.clock.now()).toISOString(),
    offsetMs: state.clock.offsetMs,
  });

  app.get('/_sandbox/clock', async (_req, reply) => reply.send(clockView()));

  // Lets a test pass an hour (an upload URL's life, a token's) without waiting for it.
  app.post('/_sandbox/clock', async (req, reply) => {
    const body = (req.body ?? {}) as { advanceMs?: unknown };
    try {
      state.clock.advance(body.advanceMs as number);
    } catch (err) {
      return badRequest(reply, err);
    }
    return reply.send(clockView());
  });

  app.get('/_sandbox/publishes', async (_req, reply) =>
    reply.send([...state.publishes.values()].map(publishView)),
  );

  // Not in TikTok's API: the user posting an inbox draft from the TikTok app.
  app.post('/_sandbox/publishes/:publishId/complete', async (req, reply) => {
    const { publishId } = req.params as { publishId: string };
    const publish = state.publishes.get(publishId);
    if (!publish) return reply.code(404).send({ error: 'No such publish.' });
    if (publish.mode !== 'inbox' || publish.status !== 'SEND_TO_USER_INBOX') {
      return reply
        .code(409)
        .send({ error: 'Only an inbox share in SEND_TO_USER_INBOX can be posted.' });
    }
    const body = (req.body ?? {}) as { privacyLevel?: unknown };
    const privacy =
      typeof body.privacyLevel === 'string' ? body.privacyLevel : 'PUBLIC_TO_EVERYONE';
    complete(ctx, publish, privacy);
    return reply.send(publishView(publish));
  });

  app.get('/_sandbox/stats', async (_req, reply) =>
    reply.send({
      maxConcurrentUploadsByCreator: Object.fromEntries(state.maxConcurrent),
      maxSendingUploadsByCreator: Object.fromEntries(state.maxSending),
      violations: state.violations,
      requests: Object.fromEntries(state.requests),
      delayedMs: Object.fromEntries(state.delayedMs),
      refreshTokensReused: state.refreshTokensReused,
      faultsFired: state.rateFaults.fired,
      pendingTimers: state.scheduler.pending,
    }),
  );

  app.get('/_sandbox/videos/:publishId', async (req, reply) => {
    const { publishId } = req.params as { publishId: string };
    const publish = state.publishes.get(publishId);
    const stored = publish?.storedPath ? await ctx.videos.reader(publish.storedPath) : null;
    if (!publish || !stored) {
      return reply
        .code(404)
        .send({ error: 'No stored bytes for this publish (is storeVideos on?).' });
    }
    return reply.type('video/mp4').header('content-length', stored.size).send(stored.stream);
  });
}
