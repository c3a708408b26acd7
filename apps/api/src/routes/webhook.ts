import { createHash } from 'node:crypto';
import { webhookSeenKey } from '@tiktok-fleet/queue';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context';
import { ApiError } from '../errors';
import { handleWebhookEvent, type WebhookEnvelope } from '../services/webhook-events';
import { verifyTikTokSignature } from '../services/webhook-signature';

const MAX_BODY_BYTES = 256 * 1024;

export async function webhookRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }) {
  // The signature covers the bytes as sent: keep them raw in this scope.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES },
    (_request, body, done) => done(null, body),
  );

  app.post(
    '/api/integrations/tiktok/webhook',
    {
      schema: {
        summary: "TikTok's webhooks (register this URL in TikTok's developer portal)",
        description:
          'Verified with the TikTok-Signature header (HMAC-SHA256 with the client secret, ' +
          '5 minutes tolerance). Duplicates are ignored.',
        tags: ['integration'],
      },
    },
    async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const header = request.headers['tiktok-signature'];
      const check = verifyTikTokSignature(
        typeof header === 'string' ? header : undefined,
        raw,
        ctx.config.TIKTOK_CLIENT_SECRET,
      );
      if (!check.ok) {
        request.log.warn({ reason: check.reason }, 'TikTok webhook refused');
        throw new ApiError(401, 'invalid_signature', `The webhook was refused: ${check.reason}.`);
      }
      let envelope: WebhookEnvelope;
      try {
        envelope = JSON.parse(raw.toString('utf8')) as WebhookEnvelope;
      } catch {
        throw new ApiError(400, 'invalid_json', 'The webhook body is not JSON.');
      }
      if (envelope.client_key !== ctx.config.TIKTOK_CLIENT_KEY) {
        // Signed with our secret but for another client key: nothing for us to do.
        return reply.code(200).send({ received: true });
      }

      // TikTok delivers at least once: the same body again is the same event.
      const deliveryHash = createHash('sha256').update(raw).digest('hex');
      let handled: 'handled' | 'duplicate';
      try {
        handled = await handleWebhookEvent(ctx, envelope, deliveryHash, request.log);
      } catch (error) {
        // Not done: let TikTok deliver it again.
        await ctx.redis.del(webhookSeenKey(ctx.prefix, deliveryHash)).catch(() => undefined);
        throw error;
      }
      return reply
        .code(200)
        .send(handled === 'duplicate' ? { received: true, duplicate: true } : { received: true });
    },
  );
}
