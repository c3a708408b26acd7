// The shapes of the API's answers the page reads (apps/api/README.md; the web contract).
// Only the fields the page uses are listed.

export type AccountStatus = 'active' | 'needs_reauth' | 'revoked';

export interface Account {
  id: string;
  openId: string;
  displayName: string | null;
  username: string | null;
  avatarUrl: string | null;
  grantedScopes: string[];
  status: AccountStatus;
  statusReason: string | null;
  accessTokenExpiresAt: string | null;
  creator: { nickname: string | null; avatarUrl: string | null };
  /** Added for the page by the API; absent from an older API. */
  postsLast24h?: number;
  dailyCap?: number;
  uploadInProgress?: boolean;
}

// The post vocabulary is the fleet's own (packages/posts/src/post-rules.ts, which imports
// nothing, so Vite bundles it as it is).
import type { PostStatus, PrivacyLevel } from '@tiktok-fleet/posts/rules';

export { POST_STATUSES, type PostStatus, type PrivacyLevel } from '@tiktok-fleet/posts/rules';

export interface PostingTexts {
  commercialToggle: string;
  commercialPrompt: string;
  incompleteDisclosure: string;
  yourBrand: { label: string; description: string };
  brandedContent: { label: string; description: string };
  brandedNotPrivate: string;
  declarationDefault: string;
  declarationBranded: string;
  processingNotice: string;
  /** Under the disclosure: with Your brand only, and with Branded content (or both). */
  promotionalLabel: string;
  paidPartnershipLabel: string;
  /** Next to a greyed-out Allow Comment / Duet / Stitch. */
  interactionDisabled: string;
  links: { musicUsage: string; brandedContentPolicy: string };
}

export interface PostingOptions {
  accountId: string;
  creator: {
    nickname: string | null;
    username: string | null;
    avatarUrl: string | null;
    privacyLevelOptions: PrivacyLevel[];
    commentDisabled: boolean;
    duetDisabled: boolean;
    stitchDisabled: boolean;
    maxVideoPostDurationSec: number;
  };
  canPost: boolean;
  cannotPost: { code: string; message: string; retryAt: string | null } | null;
  uploadInProgress: boolean;
  dailyCap: { cap: number; used: number; nextSlotAt: string | null };
  rules: {
    minDurationSec: number;
    maxDurationSec: number;
    captionMaxLength: number;
    formats: string[];
    maxBytes: number;
  };
  /** TikTok's photo post rules; `available` is false when the fleet cannot host photos. */
  photoRules: {
    available: boolean;
    maxCount: number;
    titleMaxLength: number;
    descriptionMaxLength: number;
    formats: string[];
    preparable: string[];
    maxBytes: number;
    maxLongerSidePx: number;
  };
  texts: PostingTexts;
}

export interface Post {
  id: string;
  accountId: string;
  status: PostStatus;
  caption: string;
  privacyLevel: PrivacyLevel | null;
  mode: 'direct' | 'draft';
  /** Null for a photo post, which has `photos` instead. */
  video: { path: string } | { url: string } | { pullFromUrl: string } | null;
  photos: {
    images: Array<{ path: string } | { url: string }>;
    coverIndex: number;
    description: string;
    autoAddMusic: boolean;
  } | null;
  brandContent: boolean;
  brandOrganic: boolean;
  isAigc: boolean;
  scheduledAt: string | null;
  progress: { uploadedBytes: number; totalBytes: number | null };
  tiktok: { postId: string | null; shareUrl: string | null };
  error: { code: string; message: string } | null;
  history: { status: PostStatus; at: string; detail: unknown }[];
  createdAt: string;
  updatedAt: string;
}

export interface Metrics {
  views: number;
  likes: number;
  comments: number;
  shares: number;
  engagementRate: number | null;
}

export type Freshness = 'fresh' | 'stale' | 'none';

/** One stored snapshot, oldest first, when the API sends the history. */
export interface MetricsPoint extends Metrics {
  capturedAt: string;
}

export interface PostAnalytics {
  postId: string;
  accountId: string;
  freshness: Freshness;
  capturedAt: string | null;
  tiktokVideoId: string | null;
  metrics: Metrics | null;
  note?: string;
  history?: MetricsPoint[];
}

export interface AccountAnalytics {
  accountId: string;
  freshness: Freshness;
  capturedAt: string | null;
  profile: {
    followerCount: number | null;
    followingCount: number | null;
    likesCount: number | null;
    videoCount: number | null;
  } | null;
  totals: Metrics | null;
  videos: (Metrics & { tiktokVideoId: string; postId: string | null; capturedAt: string })[];
  note?: string;
  history?: MetricsPoint[];
}

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  [other: string]: number;
}

export interface Fleet {
  queues: Record<string, QueueCounts>;
  workers: { queue: string; count: number }[];
  lastFailures: {
    postId: string | null;
    accountId: string | null;
    code: string;
    message: string;
    at: string;
  }[];
  bullBoardUrl: string | null;
}

export interface Session {
  operator: { username: string };
  ownerId: string;
  csrfToken: string;
  expiresAt: string;
}
