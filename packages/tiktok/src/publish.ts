import { CAPTION_MAX_LENGTH, type PrivacyLevel } from '@tiktok-fleet/posts/rules';
import { type ChunkPlan, MAX_VIDEO_SIZE, planChunks } from './chunk-plan';
import type { ClientContext } from './context';
import { TikTokApiError } from './errors';
import { describeFailReason, type FailReasonDescription } from './fail-reason';
import { toIdString, toNumber } from './json';

export const DIRECT_POST_INIT_PATH = '/v2/post/publish/video/init/';
export const INBOX_INIT_PATH = '/v2/post/publish/inbox/video/init/';
export const STATUS_FETCH_PATH = '/v2/post/publish/status/fetch/';
export const CANCEL_PATH = '/v2/post/publish/cancel/';

export interface PostInfo {
  title?: string;
  privacyLevel: PrivacyLevel;
  disableComment?: boolean;
  disableDuet?: boolean;
  disableStitch?: boolean;
  videoCoverTimestampMs?: number;
  brandContentToggle?: boolean;
  brandOrganicToggle?: boolean;
  isAigc?: boolean;
}

export type VideoSource =
  | {
      source: 'FILE_UPLOAD';
      videoSize: number;
      /** Preferred chunk size; the plan follows TikTok's rules whatever is asked. */
      chunkSize?: number;
    }
  | { source: 'PULL_FROM_URL'; videoUrl: string };

export interface InitResult {
  publishId: string;
  /** FILE_UPLOAD only. Valid for one hour; it carries a credential, so never log it. */
  uploadUrl: string | undefined;
  /** FILE_UPLOAD only: the plan sent to TikTok, to pass on to `uploadVideo`. */
  plan: ChunkPlan | undefined;
}

export async function initDirectPost(
  ctx: ClientContext,
  accessToken: string,
  params: { postInfo: PostInfo; source: VideoSource },
): Promise<InitResult> {
  const { title } = params.postInfo;
  if (title !== undefined && title.length > CAPTION_MAX_LENGTH) {
    throw new TikTokApiError({
      code: 'invalid_params',
      endpoint: DIRECT_POST_INIT_PATH,
      description: `The caption is ${title.length} characters long; TikTok allows at most ${CAPTION_MAX_LENGTH}.`,
    });
  }
  const { sourceInfo, plan } = sourceInfoOf(DIRECT_POST_INIT_PATH, params.source);
  const data = await ctx.http.envelope(DIRECT_POST_INIT_PATH, {
    method: 'POST',
    accessToken,
    body: { post_info: postInfoBody(params.postInfo), source_info: sourceInfo },
  });
  return initResult(DIRECT_POST_INIT_PATH, data, plan);
}

/**
 * Sends the video to the creator's TikTok inbox as a draft. TikTok documents only
 * `source_info` for this endpoint, so no caption or privacy is sent: the creator sets
 * them in the app.
 */
export async function initInboxUpload(
  ctx: ClientContext,
  accessToken: string,
  params: { source: VideoSource },
): Promise<InitResult> {
  const { sourceInfo, plan } = sourceInfoOf(INBOX_INIT_PATH, params.source);
  const data = await ctx.http.envelope(INBOX_INIT_PATH, {
    method: 'POST',
    accessToken,
    body: { source_info: sourceInfo },
  });
  return initResult(INBOX_INIT_PATH, data, plan);
}

// Deliberate copy in apps/tiktok-sandbox/src/state.ts: the sandbox must not import the client.
export type PublishStatusValue =
  | 'PROCESSING_UPLOAD'
  | 'PROCESSING_DOWNLOAD'
  | 'SEND_TO_USER_INBOX'
  | 'PUBLISH_COMPLETE'
  | 'FAILED';

export interface PublishStatus {
  /** Open string: an unknown future status must not break the poller. */
  status: PublishStatusValue | (string & {});
  failReason: string | undefined;
  /** What the fail reason means and whether retrying could help. */
  failure: FailReasonDescription | undefined;
  /** Exact decimal strings; empty until the post is public and moderated (never for SELF_ONLY). */
  postIds: string[];
  uploadedBytes: number | undefined;
  downloadedBytes: number | undefined;
}

export async function fetchPublishStatus(
  ctx: ClientContext,
  accessToken: string,
  publishId: string,
): Promise<PublishStatus> {
  const data = await ctx.http.envelope(STATUS_FETCH_PATH, {
    method: 'POST',
    accessToken,
    body: { publish_id: publishId },
  });
  const failReason =
    typeof data.fail_reason === 'string' && data.fail_reason !== '' ? data.fail_reason : undefined;
  return {
    status: typeof data.status === 'string' ? data.status : 'UNKNOWN',
    failReason,
    failure: failReason ? describeFailReason(failReason) : undefined,
    // TikTok spells it "publicaly"; the correct spelling is read too in case it is fixed.
    postIds: idList(data.publicaly_available_post_id, data.publicly_available_post_id),
    uploadedBytes: toNumber(data.uploaded_bytes),
    downloadedBytes: toNumber(data.downloaded_bytes),
  };
}

/** Best effort, and only while a PULL_FROM_URL download is still running. */
export async function cancelPublish(
  ctx: ClientContext,
  accessToken: string,
  publishId: string,
): Promise<void> {
  await ctx.http.envelope(CANCEL_PATH, {
    method: 'POST',
    accessToken,
    body: { publish_id: publishId },
  });
}

function postInfoBody(info: PostInfo): Record<string, unknown> {
  return {
    title: info.title,
    privacy_level: info.privacyLevel,
    disable_comment: info.disableComment ?? false,
    disable_duet: info.disableDuet ?? false,
    disable_stitch: info.disableStitch ?? false,
    video_cover_timestamp_ms: info.videoCoverTimestampMs,
    // The doc table marks brand_content_toggle as required; always send it.
    brand_content_toggle: info.brandContentToggle ?? false,
    brand_organic_toggle: info.brandOrganicToggle ?? false,
    is_aigc: info.isAigc,
  };
}

function sourceInfoOf(
  endpoint: string,
  source: VideoSource,
): {
  sourceInfo: Record<string, unknown>;
  plan: ChunkPlan | undefined;
} {
  if (source.source === 'PULL_FROM_URL') {
    return { sourceInfo: { source: 'PULL_FROM_URL', video_url: source.videoUrl }, plan: undefined };
  }
  let plan: ChunkPlan;
  try {
    plan = planChunks(source.videoSize, { chunkSize: source.chunkSize });
  } catch (error) {
    throw new TikTokApiError({
      code: source.videoSize > MAX_VIDEO_SIZE ? 'video_size_too_large' : 'invalid_params',
      endpoint,
      description: error instanceof Error ? `Cannot plan the upload: ${error.message}.` : undefined,
    });
  }
  return {
    sourceInfo: {
      source: 'FILE_UPLOAD',
      video_size: plan.videoSize,
      chunk_size: plan.chunkSize,
      total_chunk_count: plan.totalChunkCount,
    },
    plan,
  };
}

function initResult(
  endpoint: string,
  data: Record<string, unknown>,
  plan: ChunkPlan | undefined,
): InitResult {
  const publishId = toIdString(data.publish_id);
  const uploadUrl =
    typeof data.upload_url === 'string' && data.upload_url !== '' ? data.upload_url : undefined;
  if (!publishId || (plan && !uploadUrl)) {
    throw new TikTokApiError({
      code: 'unexpected_response',
      endpoint,
      tiktokMessage: plan
        ? 'no publish_id or upload_url in the answer'
        : 'no publish_id in the answer',
    });
  }
  return { publishId, uploadUrl, plan };
}

function idList(...values: unknown[]): string[] {
  const ids = new Set<string>();
  for (const value of values) {
    if (!Array.isArray(value)) continue;
    for (const item of value) {
      const id = toIdString(item);
      if (id) ids.add(id);
    }
  }
  return [...ids];
}
