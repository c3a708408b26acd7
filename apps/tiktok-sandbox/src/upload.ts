import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SandboxContext } from './context';
import { ApiError, sendApiError } from './errors';
import { endInFlight, startSending } from './in-flight';
import { startProcessing } from './publish-machine';
import type { Publish, SandboxState } from './state';
import { checkHeaders, receivedRange, UploadRefusal } from './upload-checks';

const uploadPath = '/upload/video/';

/**
 * Reads and drops a body we refuse, so the connection stays usable for the next chunk. The
 * bytes still count as sent for the publish, when there is one.
 */
async function drain(body: unknown, publish?: Publish): Promise<void> {
  if (!body || typeof (body as Readable).resume !== 'function') return;
  try {
    for await (const piece of body as Readable) {
      if (publish) publish.bytesTransferred += (piece as Buffer).byteLength;
    }
  } catch {
    // The client went away; nothing to answer.
  }
}

/** Thrown by `receive` once a rate fault cut the connection part-way through the body. */
class ConnectionCut extends Error {}

/**
 * Streams one chunk through a copy of the running hash (and to disk when storing), so a chunk
 * that fails half-way leaves the upload's hash exactly as it was before.
 */
async function receive(
  ctx: SandboxContext,
  publish: Publish,
  body: Readable,
  first: number,
  cut: { after: number; drop: () => void } | null,
) {
  const upload = publish.upload;
  if (!upload) throw new Error('no upload');
  const hash = upload.hash ? upload.hash.copy() : createHash('sha256');
  let file: WriteStream | null = null;
  if (ctx.state.config.storeVideos) {
    publish.storedPath ??= await ctx.videos.newFile(publish.publishId);
    file = ctx.videos.writerAt(publish.storedPath, first);
  }
  let bytes = 0;
  try {
    for await (const chunk of body) {
      const piece = chunk as Buffer;
      publish.bytesTransferred += piece.byteLength;
      hash.update(piece);
      bytes += piece.byteLength;
      if (cut && bytes >= cut.after) {
        // Gone before the stream is torn down, so nothing waits on a socket still open.
        cut.drop();
        throw new ConnectionCut();
      }
      if (file && !file.write(chunk)) await once(file, 'drain');
    }
  } finally {
    if (file) {
      file.end();
      await once(file, 'close').catch(() => undefined);
    }
  }
  return { hash, bytes };
}

async function refuse(
  state: SandboxState,
  reply: FastifyReply,
  body: unknown,
  err: ApiError,
  publish?: Publish,
) {
  if (err instanceof UploadRefusal && err.rule) state.violation(err.rule, err.message);
  await drain(body, publish);
  if (publish && err.status === 416) reply.header('content-range', receivedRange(publish));
  return sendApiError(reply, err, 'full');
}

export function registerUpload(app: FastifyInstance, ctx: SandboxContext): void {
  const { state } = ctx;
  app.put(uploadPath, async (req, reply) => {
    const query = req.query as Record<string, string | undefined>;
    const publish = state.uploads.get(query.upload_id ?? '');
    if (!publish?.upload || publish.upload.token !== query.upload_token) {
      const err = new UploadRefusal(404, 'invalid_params', 'There is no upload task for this URL.');
      return refuse(state, reply, req.body, err);
    }
    const fault = state.faults.takeChunk();
    if (fault?.reset) {
      reply.hijack();
      req.raw.socket.destroy();
      return;
    }
    const rateStatus = state.rollFault('chunk5xx')
      ? state.rateFaults.pick([500, 502, 503] as const)
      : null;
    const status = fault?.status ?? rateStatus;
    if (status) {
      await drain(req.body, publish);
      const err = new ApiError(
        'internal_error',
        status,
        'Something went wrong. Please retry this chunk.',
      );
      return sendApiError(reply, err, 'full');
    }
    let checked: ReturnType<typeof checkHeaders>;
    try {
      checked = checkHeaders(state, publish, req.headers);
    } catch (err) {
      if (err instanceof ApiError) return refuse(state, reply, req.body, err, publish);
      throw err;
    }
    const upload = publish.upload;
    // A mid-chunk reset: TikTok gets 10-90 % of the body, then the connection is gone.
    const cut = state.rollFault('chunkReset')
      ? {
          after: Math.max(1, Math.floor(checked.length * state.rateFaults.fraction(0.1, 0.9))),
          drop: () => {
            reply.hijack();
            req.raw.socket.destroy();
          },
        }
      : null;
    upload.busy = true;
    let received: Awaited<ReturnType<typeof receive>>;
    try {
      received = await receive(ctx, publish, req.body as Readable, checked.range.first, cut);
    } catch (failure) {
      if (failure instanceof ConnectionCut) return;
      // The client hung up mid-chunk; the chunk does not count.
      const err = new ApiError('invalid_params', 400, 'The chunk body was cut short.');
      return sendApiError(reply, err, 'full');
    } finally {
      upload.busy = false;
    }
    if (received.bytes !== checked.length) {
      state.violation('content_length_mismatch', 'the chunk body did not match Content-Length');
      const err = new ApiError('invalid_params', 400, 'Content-Length does not match the body.');
      return sendApiError(reply, err, 'full');
    }
    upload.hash = received.hash;
    upload.nextChunk += 1;
    if (publish.bytesReceived === 0) startSending(state, publish);
    publish.bytesReceived += received.bytes;
    reply.header('content-range', receivedRange(publish));
    if (publish.bytesReceived < (publish.videoSize ?? 0)) return reply.code(206).send();
    // The last chunk: posting starts (201, docs/tiktok-api.md, Chunked upload).
    publish.sha256 = received.hash.digest('hex');
    upload.hash = null;
    endInFlight(state, publish);
    startProcessing(ctx, publish);
    return reply.code(201).send();
  });
}
