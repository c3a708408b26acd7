import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate, creatorOf, requireScope } from './auth';
import { type ChunkPlan, checkChunkPlan } from './chunk-rules';
import type { SandboxContext } from './context';
import { creatorInfoData, privacyLevelOptions } from './creators';
import { ApiError, invalidParams, sendOk } from './errors';
import { newPublishId, newSecret, newUploadId } from './ids';
import { startInFlight } from './in-flight';
import { notePostingUser, pendingInboxShares, postingBlock } from './post-caps';
import { type PostInfo, parsePostInfo } from './post-info';
import { pullVideo } from './pull-download';
import type { Creator, Publish, SandboxState } from './state';
import { isVerifiedUrl } from './verified-urls';

const creatorInfoPath = '/v2/post/publish/creator_info/query/';
const directInitPath = '/v2/post/publish/video/init/';
const inboxInitPath = '/v2/post/publish/inbox/video/init/';

interface SourceInfo {
  source: 'FILE_UPLOAD' | 'PULL_FROM_URL';
  plan: ChunkPlan | null;
  videoUrl: string | null;
}

function parseSourceInfo(state: SandboxState, body: Record<string, unknown>): SourceInfo {
  const info = body.source_info;
  if (typeof info !== 'object' || info === null || Array.isArray(info)) {
    throw invalidParams('source_info is required and must be an object.');
  }
  const fields = info as Record<string, unknown>;
  if (fields.source === 'FILE_UPLOAD') {
    try {
      return { source: 'FILE_UPLOAD', plan: checkChunkPlan(fields), videoUrl: null };
    } catch (err) {
      if (err instanceof ApiError) state.violation('invalid_chunk_plan', err.message);
      throw err;
    }
  }
  if (fields.source === 'PULL_FROM_URL') {
    const url = fields.video_url;
    if (typeof url !== 'string' || !URL.canParse(url)) {
      throw invalidParams('video_url is required for PULL_FROM_URL.');
    }
    // Only https URLs on a verified domain are pulled (docs/tiktok-api.md, Pull from URL and
    // cancel); the sandbox verifies every host unless `verifiedUrlPrefixes` lists some.
    if (!isVerifiedUrl(state.config, url)) {
      throw new ApiError(
        'url_ownership_unverified',
        403,
        'The video_url must be an https URL on a domain or URL prefix verified for this app.',
      );
    }
    return { source: 'PULL_FROM_URL', plan: null, videoUrl: url };
  }
  throw invalidParams('source_info.source must be FILE_UPLOAD or PULL_FROM_URL.');
}

export function readBody(request: FastifyRequest): Record<string, unknown> {
  const body = request.body ?? {};
  // A stream here means a Content-Type other than JSON (see the catch-all parser).
  if (typeof body !== 'object' || Array.isArray(body) || 'pipe' in body) {
    throw invalidParams('The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

export function refuse(state: SandboxState, err: ApiError): never {
  state.violation(err.code, err.message);
  throw err;
}

/** Rules that only Direct Post has: privacy in the creator's options, unaudited limits. */
export function checkDirectPost(state: SandboxState, creator: Creator, info: PostInfo): void {
  const privacy = info.privacyLevel;
  if (!privacy || !privacyLevelOptions(creator).includes(privacy)) {
    refuse(
      state,
      new ApiError(
        'privacy_level_option_mismatch',
        403,
        `privacy_level must be one of the creator's privacy_level_options (${privacyLevelOptions(creator).join(', ')}).`,
      ),
    );
  }
  if (state.config.unaudited && (privacy !== 'SELF_ONLY' || !creator.privateAccount)) {
    refuse(
      state,
      new ApiError(
        'unaudited_client_can_only_post_to_private_accounts',
        403,
        'Unaudited clients can only post SELF_ONLY content to private accounts.',
      ),
    );
  }
}

/** What an init decides about a new publish; the rest starts the same for videos and photos. */
export type PublishStart = Pick<
  Publish,
  | 'publishId'
  | 'mode'
  | 'source'
  | 'status'
  | 'privacyLevel'
  | 'title'
  | 'isAigc'
  | 'videoSize'
  | 'chunkSize'
  | 'totalChunkCount'
  | 'videoUrl'
  | 'photo'
>;

/** Records a new publish for `creator` and counts the creator as posting. */
export function createPublish(
  state: SandboxState,
  token: string,
  creator: Creator,
  start: PublishStart,
): Publish {
  const publish: Publish = {
    publishId: start.publishId,
    openId: creator.openId,
    accessToken: token,
    mode: start.mode,
    source: start.source,
    status: start.status,
    failReason: null,
    plannedFailReason: state.faults.takeFailReason(),
    privacyLevel: start.privacyLevel,
    title: start.title,
    isAigc: start.isAigc,
    videoSize: start.videoSize,
    chunkSize: start.chunkSize,
    totalChunkCount: start.totalChunkCount,
    bytesReceived: 0,
    bytesTransferred: 0,
    downloadedBytes: 0,
    sha256: null,
    videoUrl: start.videoUrl,
    postId: null,
    publiclyAvailable: false,
    createdAt: state.clock.now(),
    completedAt: null,
    upload: null,
    storedPath: null,
    pullAbort: null,
    ...(start.photo ? { photo: start.photo } : {}),
  };
  state.publishes.set(publish.publishId, publish);
  notePostingUser(state, creator.openId);
  return publish;
}

function createVideoPublish(
  state: SandboxState,
  token: string,
  creator: Creator,
  mode: 'direct' | 'inbox',
  source: SourceInfo,
  info: PostInfo | null,
): Publish {
  return createPublish(state, token, creator, {
    publishId: newPublishId(mode, source.source),
    mode,
    source: source.source,
    status: source.source === 'FILE_UPLOAD' ? 'PROCESSING_UPLOAD' : 'PROCESSING_DOWNLOAD',
    privacyLevel: info?.privacyLevel ?? null,
    title: info?.title ?? null,
    isAigc: info?.isAigc ?? false,
    videoSize: source.plan?.videoSize ?? null,
    chunkSize: source.plan?.chunkSize ?? null,
    totalChunkCount: source.plan?.totalChunkCount ?? null,
    videoUrl: source.videoUrl,
  });
}

/** An inbox share is refused while the creator has too many waiting (docs/tiktok-api.md, Video init). */
export function checkInboxCap(state: SandboxState, creator: Creator): void {
  if (pendingInboxShares(state, creator.openId) >= state.config.pendingInboxCap) {
    refuse(
      state,
      new ApiError(
        'spam_risk_too_many_pending_share',
        403,
        'This user has too many pending inbox shares; they must post or discard some first.',
      ),
    );
  }
}

/** Upload URLs point back at the host the client used, so they work behind docker names too. */
function baseUrl(ctx: SandboxContext, request: FastifyRequest): string {
  return request.headers.host ? `${request.protocol}://${request.headers.host}` : ctx.base.url;
}

function answerInit(
  ctx: SandboxContext,
  request: FastifyRequest,
  reply: FastifyReply,
  publish: Publish,
) {
  const { state } = ctx;
  if (publish.source === 'PULL_FROM_URL') {
    void pullVideo(ctx, publish, publish.videoUrl ?? '');
    return sendOk(reply, { publish_id: publish.publishId });
  }
  const uploadId = newUploadId();
  const token = newSecret(32);
  publish.upload = {
    uploadId,
    token,
    expiresAt: state.clock.now() + state.config.uploadUrlTtlSec * 1000,
    hash: null,
    nextChunk: 0,
    busy: false,
  };
  state.uploads.set(uploadId, publish);
  // Open at TikTok from here until its last byte, its URL's expiry or its failure.
  startInFlight(state, publish);
  const uploadUrl = `${baseUrl(ctx, request)}/upload/video/?upload_id=${uploadId}&upload_token=${token}`;
  return sendOk(reply, { publish_id: publish.publishId, upload_url: uploadUrl });
}

export function registerPosting(app: FastifyInstance, ctx: SandboxContext): void {
  const { state } = ctx;

  app.post(creatorInfoPath, async (req, reply) => {
    const token = authenticate(state, req, creatorInfoPath);
    requireScope(token, 'video.publish');
    const creator = creatorOf(state, token);
    // Cap and ban errors come with HTTP 200 here, "intentional" per TikTok (docs/tiktok-api.md,
    // Creator info).
    const block = postingBlock(state, creator, 200, 'direct');
    if (block) throw block;
    return sendOk(reply, creatorInfoData(creator));
  });

  app.post(directInitPath, async (req, reply) => {
    const token = authenticate(state, req, directInitPath);
    requireScope(token, 'video.publish');
    const creator = creatorOf(state, token);
    const body = readBody(req);
    const info = parsePostInfo(body.post_info);
    const source = parseSourceInfo(state, body);
    const block = postingBlock(state, creator, 403, 'direct');
    if (block) refuse(state, block);
    checkDirectPost(state, creator, info);
    const publish = createVideoPublish(state, token.token, creator, 'direct', source, info);
    return answerInit(ctx, req, reply, publish);
  });

  app.post(inboxInitPath, async (req, reply) => {
    const token = authenticate(state, req, inboxInitPath);
    requireScope(token, 'video.upload');
    const creator = creatorOf(state, token);
    // Only source_info is documented here; a post_info (Postiz sends one) is ignored
    // (docs/tiktok-api.md, Video init).
    const source = parseSourceInfo(state, readBody(req));
    const block = postingBlock(state, creator, 403, 'inbox');
    if (block) refuse(state, block);
    checkInboxCap(state, creator);
    const publish = createVideoPublish(state, token.token, creator, 'inbox', source, null);
    return answerInit(ctx, req, reply, publish);
  });
}
