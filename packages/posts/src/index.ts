// The post domain: what a post request is, how a post is shown, the statuses, TikTok's
// privacy levels and caption limit, and the one way to create a post and queue it.
// Exported here is only what another package uses; the modules' other names stay inside.
export type { EnqueueLimits } from './enqueue-limits';
export { createPostEnqueuer } from './enqueue-post';
export { EnqueuePostError, type EnqueuePostErrorCode } from './errors/enqueue-post-error';
export { isRealPathInside, resolveMediaPath } from './media-path';
export { photoPostOf, type StoredPhotoPost } from './photo-post';
export {
  isPhotoPostInput,
  type PhotoPostRequest,
  type PhotoPostRequestInput,
  type PhotoSource,
  photoPostRequestSchema,
} from './photo-request';
export {
  type PostRequest,
  type PostRequestInput,
  postRequestSchema,
  type VideoSource,
} from './post-request';
export { type PostResource, postResourceSchema, toPostResource } from './post-resource';
export {
  CAPTION_MAX_LENGTH,
  PHOTO_DESCRIPTION_MAX_LENGTH,
  PHOTO_MAX_COUNT,
  PHOTO_TITLE_MAX_LENGTH,
  POST_STATUSES,
  type PostStatus,
  PREPARE_MODES,
  PRIVACY_LEVELS,
  type PrepareMode,
} from './post-rules';
export { formatValidationIssues } from './validation-issues';
