import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticate, creatorOf, requireScope } from './auth';
import type { SandboxContext } from './context';
import { ApiError, invalidParams, sendApiError, sendOk } from './errors';
import { fail } from './publish-machine';
import type { AccessToken, Publish, SandboxState } from './state';

const statusPath = '/v2/post/publish/status/fetch/';
const cancelPath = '/v2/post/publish/cancel/';

function ownedPublish(state: SandboxState, token: AccessToken, request: FastifyRequest): Publish {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const id = body.publish_id;
  if (typeof id !== 'string' || id.length === 0) throw invalidParams('publish_id is required.');
  const publish = state.publishes.get(id);
  if (!publish) throw new ApiError('invalid_publish_id', 400, 'The publish_id does not exist.');
  const creator = creatorOf(state, token);
  if (publish.openId !== creator.openId) {
    throw new ApiError(
      'token_not_authorized_for_specified_publish_id',
      400,
      'The access token is not authorized for this publish_id.',
    );
  }
  return publish;
}

/**
 * The status body (docs/tiktok-api.md, Status values); post ids are bigints, written as raw
 * JSON numbers.
 */
export function statusData(publish: Publish) {
  const data: Record<string, unknown> = { status: publish.status };
  if (publish.status === 'FAILED') data.fail_reason = publish.failReason;
  data.publicaly_available_post_id =
    publish.publiclyAvailable && publish.postId !== null ? [publish.postId] : [];
  if (publish.source === 'FILE_UPLOAD') data.uploaded_bytes = publish.bytesReceived;
  else data.downloaded_bytes = publish.downloadedBytes;
  return data;
}

export function registerStatus(app: FastifyInstance, ctx: SandboxContext): void {
  const { state } = ctx;

  app.post(statusPath, async (req, reply) => {
    if (state.rollFault('status5xx')) {
      const status = state.rateFaults.pick([500, 502, 503] as const);
      throw new ApiError('internal_error', status, 'Something went wrong. Please try again later.');
    }
    const token = authenticate(state, req, statusPath);
    requireScope(token, 'video.publish', 'video.upload');
    return sendOk(reply, statusData(ownedPublish(state, token, req)));
  });

  // Cancel answers `{error}` only, never `data` (docs/tiktok-api.md, Response envelope),
  // errors included.
  app.post(cancelPath, async (req, reply) => {
    try {
      const token = authenticate(state, req, cancelPath);
      requireScope(token, 'video.publish', 'video.upload');
      const publish = ownedPublish(state, token, req);
      // Only a PULL_FROM_URL download still in progress can stop (docs/tiktok-api.md, Pull
      // from URL and cancel).
      const downloading =
        publish.source === 'PULL_FROM_URL' &&
        publish.status === 'PROCESSING_DOWNLOAD' &&
        publish.sha256 === null;
      if (!downloading) {
        throw new ApiError(
          'publish_not_cancellable',
          400,
          'Only a PULL_FROM_URL publish that is still downloading can be cancelled.',
        );
      }
      fail(ctx, publish, 'publish_cancelled');
      return sendApiError(reply, new ApiError('ok', 200, ''), 'error-only');
    } catch (err) {
      if (err instanceof ApiError) return sendApiError(reply, err, 'error-only');
      throw err;
    }
  });
}
