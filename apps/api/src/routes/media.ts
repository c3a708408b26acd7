import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context';
import { ApiError } from '../errors';
import { errorResponses, errorSchema } from '../schemas';
import { extensionFor, mediaTooLarge, storeUpload } from '../services/media-store';

const RAW_TYPES = /^(video\/[\w.+-]+|image\/[\w.+-]+|application\/octet-stream)(;.*)?$/i;

export async function mediaRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }) {
  const maxBytes = ctx.config.MEDIA_MAX_UPLOAD_BYTES;
  // Raw bodies reach the handler as the request stream itself: nothing is buffered.
  app.addContentTypeParser(RAW_TYPES, (_request, payload, done) => done(null, payload));
  await app.register(multipart, {
    // One byte over the cap reaches storeUpload, whose own count refuses it: busboy would
    // otherwise just cut the file at the cap and hand over a truncated video as complete.
    limits: { fileSize: maxBytes + 1, files: 1, fields: 5, parts: 10, fieldSize: 1024 },
  });

  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/media',
    {
      schema: {
        summary: 'Upload a video (or a photo) into MEDIA_ROOT',
        description:
          'Send the file as the raw body (Content-Type video/* or application/octet-stream; ' +
          'optional X-Filename) or as multipart/form-data with one file field. The answer ' +
          "gives the path to use as a post's `video.path`.",
        tags: ['media'],
        consumes: ['video/mp4', 'application/octet-stream', 'multipart/form-data'],
        response: {
          201: z
            .object({
              path: z.string().describe('relative to MEDIA_ROOT; use as video.path'),
              size: z.number().int(),
            })
            .meta({ id: 'StoredMedia' }),
          413: errorSchema,
          415: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const declared = Number(request.headers['content-length']);
      if (
        Number.isFinite(declared) &&
        declared > maxBytes + (request.isMultipart() ? 64 * 1024 : 0)
      ) {
        throw mediaTooLarge(maxBytes);
      }
      const options = { mediaRoot: ctx.config.MEDIA_ROOT, maxBytes };
      if (request.isMultipart()) {
        const part = await request.file();
        if (!part) {
          throw new ApiError(400, 'media_empty', 'The multipart body has no file part.');
        }
        try {
          const stored = await storeUpload(part.file, {
            ...options,
            extension: extensionFor(part.mimetype, part.filename),
          });
          return reply.code(201).send(stored);
        } catch (error) {
          if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE')
            throw mediaTooLarge(maxBytes);
          throw error;
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
      const stored = await storeUpload(request.body as NodeJS.ReadableStream as never, {
        ...options,
        extension: extensionFor(
          request.headers['content-type'],
          typeof filename === 'string' ? safeDecode(filename) : undefined,
        ),
      });
      return reply.code(201).send(stored);
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
