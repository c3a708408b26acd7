// Exported here is only what another package uses; the modules' other names stay inside
// (this package's tests import them from their modules).
export { type ChunkPlan, type ChunkRange, DEFAULT_CHUNK_SIZE, planChunks } from './chunk-plan';
export { createTikTokClient, type TikTokClient } from './client';
export type { CreatorInfo } from './creator-info';
export {
  type UserInfo,
  type UserInfoField,
  userInfoFieldsForScopes,
  type Video,
  type VideoField,
} from './display';
export { isTikTokApiError, TikTokApiError } from './errors';
export { describeFailReason } from './fail-reason';
export { parseJson, toIdString } from './json';
export { type ClientToken, parseScopes, type UserTokens } from './oauth';
export type { PhotoPostParams } from './photo-post';
export type { InitResult, PublishStatus, VideoSource } from './publish';
export * from './research/index';
