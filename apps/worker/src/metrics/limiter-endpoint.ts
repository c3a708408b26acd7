import type { TikTokEndpoint } from '@tiktok-fleet/queue';

const BY_PATH: Record<string, TikTokEndpoint> = {
  '/v2/post/publish/video/init/': 'init',
  '/v2/post/publish/inbox/video/init/': 'init',
  '/v2/post/publish/creator_info/query/': 'creatorInfo',
  '/v2/post/publish/status/fetch/': 'status',
  '/v2/user/info/': 'display',
  '/v2/video/list/': 'display',
  '/v2/video/query/': 'display',
};

/**
 * The fleet's rate-limit bucket a TikTok path counts against, so that a wait TikTok
 * enforced (429) and one our own counter enforced carry the same `endpoint` label.
 */
export function limiterEndpointOf(path: string): TikTokEndpoint | 'other' {
  return BY_PATH[path] ?? 'other';
}
