import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { mediaLinkSecret, verifyMediaLink } from '@tiktok-fleet/media';
import { isRealPathInside, resolveMediaPath } from '@tiktok-fleet/posts';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context';
import { ApiError } from '../errors';

/** The photo types TikTok takes; anything else the fleet signs is served as bytes. */
const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
};

export const MEDIA_PUBLIC_PATH = '/media/public/';

/**
 * `GET /media/public/<path under MEDIA_ROOT>?expires=…&signature=…`: where TikTok pulls a
 * photo post's images from (docs/architecture.md, Photo posts). No API key (TikTok has none),
 * so the signed link is the credential: it opens one file the worker signed, until it
 * expires. Answers 200 with the bytes and never redirects (TikTok refuses redirects,
 * docs/tiktok-api.md, Pull from URL and cancel).
 */
export async function mediaPublicRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }) {
  const secret = mediaLinkSecret(ctx.config);
  const mediaRoot = ctx.config.MEDIA_ROOT;

  app.route<{ Params: { '*': string }; Querystring: Record<string, string | undefined> }>({
    method: ['GET', 'HEAD'],
    url: `${MEDIA_PUBLIC_PATH}*`,
    schema: { hide: true },
    handler: async (request, reply) => {
      const relative = request.params['*'];
      const verdict = verifyMediaLink({
        relativePath: relative,
        expires: request.query.expires,
        signature: request.query.signature,
        secret,
      });
      if (verdict === 'expired') {
        throw new ApiError(
          410,
          'media_link_expired',
          'This media link has expired. The fleet signs a new one when it posts again.',
        );
      }
      if (verdict !== 'ok') {
        throw new ApiError(
          403,
          'media_link_invalid',
          'This media link is not one the fleet signed (its signature does not match).',
        );
      }
      const resolved = resolveMediaPath(mediaRoot, relative);
      const info =
        resolved && (await isRealPathInside(mediaRoot, resolved.absolute))
          ? await stat(resolved.absolute).catch(() => undefined)
          : undefined;
      if (!resolved || !info?.isFile()) {
        throw new ApiError(
          404,
          'media_not_found',
          'The file this link points at is no longer there.',
        );
      }
      reply
        .header(
          'content-type',
          CONTENT_TYPES[extname(resolved.absolute).toLowerCase()] ??
            (await sniffImageType(resolved.absolute)),
        )
        .header('content-length', String(info.size))
        // A signed link is private to TikTok; caches in between must not keep it.
        .header('cache-control', 'private, no-store');
      if (request.method === 'HEAD') return reply.send();
      return reply.send(createReadStream(resolved.absolute));
    },
  });
}

/** A file without a telling name (a downloaded `url` photo): its first bytes say what it is. */
async function sniffImageType(absolute: string): Promise<string> {
  const file = await open(absolute, 'r');
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(12), 0, 12, 0);
    const head = buffer.subarray(0, bytesRead);
    if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
    if (head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') {
      return 'image/webp';
    }
    return 'application/octet-stream';
  } finally {
    await file.close();
  }
}
