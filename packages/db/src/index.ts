// The database package: the Prisma client, token encryption and the repositories the API
// and the workers share. Migrations are in `@tiktok-fleet/db/migrations`.
export {
  type Account,
  AccountStatus,
  type AnalyticsSnapshot,
  type ApiKey,
  type MediaUpload,
  type Post,
  PostMode,
  PostStatus,
  type PostStatusEvent,
  PrepareMode,
  Prisma,
  PrivacyLevel,
  VideoSourceKind,
} from '../generated/prisma/client';
export {
  type AccountRepository,
  type AccountTokens,
  type ConnectedAccount,
  type CreatorInfoCache,
  createAccountRepository,
  type PublicAccount,
} from './accounts';
export {
  type AnalyticsRepository,
  createAnalyticsRepository,
  type VideoCounts,
} from './analytics';
export { type ApiKeyRepository, createApiKeyRepository, type PublicApiKey } from './api-keys';
export { createPrismaClient, type Db, pingDatabase } from './client';
export {
  AccountConnectedElsewhereError,
  AccountNotFoundError,
  AccountRevokedError,
  DbError,
  PostNotFoundError,
  PostStatusConflictError,
  StaleUploadFenceError,
} from './errors';
export { newId } from './ids';
export {
  createMediaUploadRepository,
  type MediaUploadRepository,
  type UploadCursor,
  type UploadRetention,
} from './media-uploads';
export {
  createPostRepository,
  finalStatuses,
  InvalidCursorError,
  type NewPost,
  openStatuses,
  type PostChanges,
  type PostRepository,
  type PostWithEvents,
} from './posts';
export {
  createPreparedMediaRepository,
  type PreparedMediaRepository,
} from './prepared-media';
export {
  parseTokenKeyring,
  TokenCipher,
  TokenCipherError,
  type TokenCipherErrorCode,
  type TokenKey,
  type TokenKeyring,
} from './token-cipher';
export { isDatabasePoolTimeout, isDatabaseUnavailable } from './unavailable';
