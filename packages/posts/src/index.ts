// The post domain: what a post request is, how a post is shown, the statuses, TikTok's
// privacy levels and caption limit, and the one way to create a post and queue it.
// Exported here is only what another package uses; the modules' other names stay inside.
export { createPostEnqueuer } from './enqueue-post';
export { EnqueuePostError, type EnqueuePostErrorCode } from './errors/enqueue-post-error';
export { isRealPathInside, resolveMediaPath } from './media-path';
export {
  type PostRequest,
  type PostRequestInput,
  postRequestSchema,
  type VideoSource,
} from './post-request';
export { type PostResource, postResourceSchema, toPostResource } from './post-resource';
export {
  CAPTION_MAX_LENGTH,
  POST_STATUSES,
  type PostStatus,
  PREPARE_MODES,
  PRIVACY_LEVELS,
  type PrepareMode,
} from './post-rules';
export { formatValidationIssues } from './validation-issues';
