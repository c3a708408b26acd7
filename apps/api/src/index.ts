export { buildApi } from './build-api';
export { API_CONFIG_KEYS, type ApiConfig, oauthCallbackUrl } from './config';
export type { ApiDeps } from './context';
export { ApiError } from './errors';
export { parseApiKeys, seedApiKeys } from './services/seed-api-keys';
export { verifyTikTokSignature } from './services/webhook-signature';
