import type { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import type { UploadCursor } from '@tiktok-fleet/db';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context';
import { ApiError } from '../errors';
import { errorResponses, errorSchema } from '../schemas';
import { sweepExpiredUploads, sweepPreparedMedia } from '../services/media-expiry';
import { extensionFor, mediaTooLarge, quotaExceeded, storeUpload } from '../services/media-store';

const RAW_TYPES = /^(video\/[\w.+-]+|image\/[\w.+-]+|application\/octet-stream)(;.*)?$/i;

/** busboy's own words for a body that is not the multipart it claims to be. */
const invalidMultipart = (error: Error) =>
  new ApiError(
    400,
    'invalid_multipart',
    `The multipart body could not be read (${error.message}). Send multipart/form-data with ` +
      'the boundary of its Content-Type header and one file part, or the raw video as the body.',
    undefined,
    { connection: 'close' },
  );

/** What a multipart read threw, as the answer: our own errors as they are, busboy's as 400. */
function multipartError(error: unknown, maxBytes: number): ApiError {
  if (error instanceof ApiError) return error;
  const code = (error as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return mediaTooLarge(maxBytes);
  if (code?.startsWith('FST_')) throw error;
  return invalidMultipart(error as Error);
}

export async function mediaRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }) {
  const maxBytes = ctx.config.MEDIA_MAX_UPLOAD_BYTES;
  const quota = ctx.config.MEDIA_QUOTA_BYTES_PER_OWNER;
  // Raw bodies reach the handler as the request stream itself: nothing is buffered.
  app.addContentTypeParser(RAW_TYPES, (_request, payload, done) => done(null, payload));
  await app.register(multipart, {
    // One byte over the cap reaches storeUpload, whose own count refuses it: busboy would
    // otherwise just cut the file at the cap and hand over a truncated video as complete.
    limits: { fileSize: maxBytes + 1, files: 1, fields: 5, parts: 10, fieldSize: 1024 },
  });
  // One pass at a time (a pass still running skips the tick: a slow disk must not pile
  // passes up). Prepared files are swept here only, not before each upload: no quota counts them.
  const uploadWalk: { after: UploadCursor | null } = { after: null };
  const preparedCursor = { videos: '', photos: '' };
  let sweeping = false;
  const sweep = setInterval(
    async () => {
      if (sweeping) return;
      sweeping = true;
      try {
        await sweepExpiredUploads(ctx, { walk: uploadWalk }).catch((error: unknown) =>
          app.log.warn({ err: error }, 'upload sweep failed; the next pass tries again'),
        );
        await sweepPreparedMedia(ctx, preparedCursor).catch((error: unknown) =>
          app.log.warn({ err: error }, 'prepared media sweep failed; the next pass tries again'),
        );
      } finally {
        sweeping = false;
      }
    },
    Math.min(60_000, (ctx.config.MEDIA_UPLOAD_TTL_SECONDS * 1000) / 4),
  );
  sweep.unref();
  app.addHook('onClose', async () => clearInterval(sweep));

  /** Stores one upload as the caller's, within the cap and the owner's quota. */
  async function storeAs(
    request: FastifyRequest,
    source: Readable,
    extension: string,
    declared: number,
  ) {
    // This owner's own expired uploads first: what the quota check below counts.
    await sweepExpiredUploads(ctx, { ownerId: request.ownerId });
    const used = await ctx.mediaUploads.storageUsedBy(request.ownerId);
    if (Number.isFinite(declared) && used + declared > quota) throw quotaExceeded(quota, used);
    const room = quota - used;
    if (room <= 0) throw quotaExceeded(quota, used);
    const stored = await storeUpload(source, {
      mediaRoot: ctx.config.MEDIA_ROOT,
      maxBytes: Math.min(maxBytes, room),
      tooLarge: room < maxBytes ? () => quotaExceeded(quota, used) : undefined,
      extension,
      signal: request.bodyStalled,
    }).catch((error: Error) => {
      // The caller may be gone and never read the answer: say it here.
      request.log.info({ code: (error as { code?: string }).code }, 'upload failed; nothing kept');
      throw error;
    });
    await ctx.mediaUploads.recordUpload({
      path: stored.path,
      ownerId: request.ownerId,
      sizeBytes: stored.size,
    });
    return stored;
  }

  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/media',
    {
      schema: {
        summary: 'Upload a video (or a photo) into MEDIA_ROOT',
        description:
          'Send the file as the raw body (Content-Type video/* or application/octet-stream; ' +
          'optional X-Filename) or as multipart/form-data with one file field. The answer ' +
          "gives the path to use as a post's `video.path`; only posts of the same owner may " +
          'use it. It is deleted when no post used it within MEDIA_UPLOAD_TTL_SECONDS, or ' +
          'MEDIA_USED_RETENTION_SECONDS after the last post that uses it finished (published, ' +
          "failed or canceled); its size counts against the owner's quota until then.",
        tags: ['media'],
        consumes: ['video/mp4', 'application/octet-stream', 'multipart/form-data'],
        response: {
          201: z
            .object({
              path: z.string().describe('relative to MEDIA_ROOT; use as video.path'),
              size: z.number().int(),
            })
            .meta({ id: 'StoredMedia' }),
          408: errorSchema,
          413: errorSchema,
          415: errorSchema,
          429: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const declared = Number(request.headers['content-length']);
      const multipartBody = request.isMultipart();
      if (Number.isFinite(declared) && declared > maxBytes + (multipartBody ? 64 * 1024 : 0)) {
        throw mediaTooLarge(maxBytes);
      }
      const leave = ctx.openUploads.enter(request.callerKey);
      // This route removes its partial file and answers a too-slow body itself.
      request.answersStall = true;
      try {
        if (multipartBody) {
          let part: Awaited<ReturnType<typeof request.file>>;
          try {
            part = await request.file();
          } catch (error) {
            throw multipartError(error, maxBytes);
          }
          if (!part) {
            throw new ApiError(400, 'media_empty', 'The multipart body has no file part.');
          }
          try {
            const stored = await storeAs(
              request,
              part.file,
              extensionFor(part.mimetype, part.filename),
              // The file is a little smaller than the body; the quota check is a bound.
              declared - 64 * 1024,
            );
            return reply.code(201).send(stored);
          } catch (error) {
            throw multipartError(error, maxBytes);
          }
        }
        if (!request.body || typeof (request.body as { pipe?: unknown }).pipe !== 'function') {
          throw new ApiError(
            415,
            'unsupported_media_type',
            'Send the video as the raw body with Content-Type video/* (or application/octet-stream), or as multipart/form-data.',
          );
        }
        const filename = request.headers['x-filename'];
        const stored = await storeAs(
          request,
          request.body as Readable,
          extensionFor(
            request.headers['content-type'],
            typeof filename === 'string' ? safeDecode(filename) : undefined,
          ),
          declared,
        );
        return reply.code(201).send(stored);
      } finally {
        leave();
      }
    },
  );
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
