export type { OnTikTokCall, TikTokCall } from './call-hook';
export {
  type ChunkPlan,
  type ChunkRange,
  DEFAULT_CHUNK_SIZE,
  MAX_CHUNK_COUNT,
  MAX_CHUNK_SIZE,
  MAX_FINAL_CHUNK_SIZE,
  MAX_VIDEO_SIZE,
  MIN_CHUNK_SIZE,
  type PlanOptions,
  planChunks,
} from './chunk-plan';
export {
  createTikTokClient,
  DEFAULT_API_BASE_URL,
  DEFAULT_AUTH_URL,
  type TikTokClient,
  type TikTokClientOptions,
} from './client';
export type { CreatorInfo } from './creator-info';
export {
  DEFAULT_VIDEO_FIELDS,
  USER_INFO_FIELDS_BY_SCOPE,
  type UserInfo,
  type UserInfoField,
  userInfoFieldsForScopes,
  VIDEO_FIELDS,
  type Video,
  type VideoField,
  type VideoPage,
} from './display';
export {
  classifyErrorCode,
  type ErrorAction,
  type ErrorClassification,
  isTikTokApiError,
  KNOWN_ERROR_CODES,
  TikTokApiError,
} from './errors';
export { describeFailReason, type FailReasonDescription, KNOWN_FAIL_REASONS } from './fail-reason';
export { parseJson, toIdString } from './json';
export {
  type AuthorizeUrlParams,
  type ClientToken,
  type ExchangeCodeParams,
  parseScopes,
  type UserTokens,
} from './oauth';
export {
  type CodeChallengeEncoding,
  createCodeChallenge,
  createCodeVerifier,
  createPkcePair,
  isValidCodeVerifier,
  type PkcePair,
} from './pkce';
export type {
  InitResult,
  PostInfo,
  PublishStatus,
  PublishStatusValue,
  VideoSource,
} from './publish';
export type {
  ResearchCondition,
  ResearchVideo,
  ResearchVideoPage,
  ResearchVideoQuery,
} from './research';
export {
  type BudgetDecision,
  InMemoryResearchBudget,
  RESEARCH_DAILY_REQUEST_LIMIT,
  type ResearchBudget,
  utcDay,
} from './research-budget';
export {
  receivedFromContentRange,
  type UploadOptions,
  type UploadProgress,
  type UploadResult,
} from './upload';
