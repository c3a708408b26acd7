import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { OnTikTokCall } from './call-hook';
import type { ClientContext } from './context';
import * as creatorInfo from './creator-info';
import * as display from './display';
import { TikTokHttp } from './http';
import * as oauth from './oauth';
import * as photoPost from './photo-post';
import * as publish from './publish';
import { InMemoryResearchBudget, type ResearchBudget } from './research/budget';
import * as research from './research/query-videos';
import * as researchUser from './research/user-info';
import * as upload from './upload';

export interface TikTokClientOptions {
  clientKey: string;
  clientSecret: string;
  apiBaseUrl?: string;
  authUrl?: string;
  /** Per API request; chunk uploads have their own (`chunkTimeoutMs`). */
  timeoutMs?: number;
  /** Agents to share with the caller; otherwise keep-alive agents are made from `agentOptions`. */
  httpAgent?: HttpAgent;
  httpsAgent?: HttpsAgent;
  agentOptions?: { keepAlive?: boolean; maxSockets?: number; keepAliveMsecs?: number };
  /** Shared across a fleet in production (Redis); in memory by default. */
  researchBudget?: ResearchBudget;
  /** The clock token lifetimes and the research budget are counted on. */
  now?: () => Date;
  /**
   * Told about every request to TikTok once it ends, failures included: API calls and each
   * chunk PUT (endpoint `PUT upload_url`). For metrics; it must not throw (if it does, the
   * error is ignored) and it never sees a token or a URL's query.
   */
  onCall?: OnTikTokCall;
}

export const DEFAULT_API_BASE_URL = 'https://open.tiktokapis.com';
export const DEFAULT_AUTH_URL = 'https://www.tiktok.com/v2/auth/authorize/';

type Rest<F> = F extends (ctx: ClientContext, ...rest: infer R) => infer T
  ? (...rest: R) => T
  : never;

export interface TikTokClient {
  buildAuthorizeUrl: Rest<typeof oauth.buildAuthorizeUrl>;
  exchangeCode: Rest<typeof oauth.exchangeCode>;
  refreshToken: Rest<typeof oauth.refreshToken>;
  revokeToken: Rest<typeof oauth.revokeToken>;
  getClientToken: Rest<typeof oauth.getClientToken>;
  queryCreatorInfo: Rest<typeof creatorInfo.queryCreatorInfo>;
  initDirectPost: Rest<typeof publish.initDirectPost>;
  initInboxUpload: Rest<typeof publish.initInboxUpload>;
  initPhotoPost: Rest<typeof photoPost.initPhotoPost>;
  fetchPublishStatus: Rest<typeof publish.fetchPublishStatus>;
  cancelPublish: Rest<typeof publish.cancelPublish>;
  uploadVideo: (options: upload.UploadOptions) => Promise<upload.UploadResult>;
  getUserInfo: Rest<typeof display.getUserInfo>;
  listVideos: Rest<typeof display.listVideos>;
  queryVideos: Rest<typeof display.queryVideos>;
  queryResearchVideos: Rest<typeof research.queryResearchVideos>;
  queryResearchUser: Rest<typeof researchUser.queryResearchUser>;
  /** Closes the sockets of agents the client made itself. */
  close: () => void;
}

export function createTikTokClient(options: TikTokClientOptions): TikTokClient {
  if (!options.clientKey || !options.clientSecret) {
    throw new TypeError('createTikTokClient needs a clientKey and a clientSecret');
  }
  const agentOptions = { keepAlive: true, ...options.agentOptions };
  const ownHttp = options.httpAgent ? undefined : new HttpAgent(agentOptions);
  const ownHttps = options.httpsAgent ? undefined : new HttpsAgent(agentOptions);
  const http = new TikTokHttp({
    apiBaseUrl: (options.apiBaseUrl ?? DEFAULT_API_BASE_URL).replace(/\/+$/, ''),
    timeoutMs: options.timeoutMs ?? 30_000,
    httpAgent: options.httpAgent ?? ownHttp,
    httpsAgent: options.httpsAgent ?? ownHttps,
    secrets: [options.clientSecret],
    onCall: options.onCall,
  });
  const ctx: ClientContext = {
    http,
    clientKey: options.clientKey,
    clientSecret: options.clientSecret,
    authUrl: options.authUrl ?? DEFAULT_AUTH_URL,
    now: options.now ?? (() => new Date()),
    researchBudget: options.researchBudget ?? new InMemoryResearchBudget(),
  };
  return {
    buildAuthorizeUrl: (params) => oauth.buildAuthorizeUrl(ctx, params),
    exchangeCode: (params) => oauth.exchangeCode(ctx, params),
    refreshToken: (token) => oauth.refreshToken(ctx, token),
    revokeToken: (token) => oauth.revokeToken(ctx, token),
    getClientToken: () => oauth.getClientToken(ctx),
    queryCreatorInfo: (token) => creatorInfo.queryCreatorInfo(ctx, token),
    initDirectPost: (token, params) => publish.initDirectPost(ctx, token, params),
    initInboxUpload: (token, params) => publish.initInboxUpload(ctx, token, params),
    initPhotoPost: (token, params) => photoPost.initPhotoPost(ctx, token, params),
    fetchPublishStatus: (token, publishId) => publish.fetchPublishStatus(ctx, token, publishId),
    cancelPublish: (token, publishId) => publish.cancelPublish(ctx, token, publishId),
    uploadVideo: (params) => upload.uploadVideo(http.axios, params, http.onCall),
    getUserInfo: (token, fields) => display.getUserInfo(ctx, token, fields),
    listVideos: (token, params) => display.listVideos(ctx, token, params),
    queryVideos: (token, params) => display.queryVideos(ctx, token, params),
    queryResearchVideos: (token, query) => research.queryResearchVideos(ctx, token, query),
    queryResearchUser: (token, username, fields) =>
      researchUser.queryResearchUser(ctx, token, username, fields),
    close: () => {
      ownHttp?.destroy();
      ownHttps?.destroy();
    },
  };
}
