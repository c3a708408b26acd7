import type {
  Account,
  Post,
  PostStatus,
  PostStatusEvent,
  Prisma,
  PrismaClient,
} from '../generated/prisma/client';
import { DbError, PostNotFoundError, PostStatusConflictError } from './errors';
import { newId } from './ids';
import { isUniqueViolation } from './prisma-errors';

/** A post request as the API accepted it (docs/architecture.md, A post request). */
export type NewPost = Pick<
  Prisma.PostUncheckedCreateInput,
  | 'ownerId'
  | 'accountId'
  | 'videoSourceKind'
  | 'videoSource'
  | 'caption'
  | 'privacyLevel'
  | 'disableComment'
  | 'disableDuet'
  | 'disableStitch'
  | 'coverTimestampMs'
  | 'brandContent'
  | 'brandOrganic'
  | 'isAigc'
  | 'mode'
  | 'scheduledAt'
  | 'callbackUrl'
  | 'failWhenCapReached'
  | 'prepare'
  | 'idempotencyKey'
>;

/** What the pipeline records on a post: upload state, TikTok's answers, errors, attempts. */
export type PostChanges = Omit<
  Prisma.PostUncheckedUpdateManyInput,
  'id' | 'ownerId' | 'accountId' | 'status' | 'createdAt' | 'updatedAt'
>;

export type PostWithEvents = Post & { events: PostStatusEvent[] };

export const finalStatuses: readonly PostStatus[] = ['published', 'failed', 'canceled'];
const openStatuses: PostStatus[] = [
  'queued',
  'scheduled',
  'preparing',
  'validating',
  'uploading',
  'processing',
];

export class InvalidCursorError extends DbError {
  constructor() {
    super('invalid_cursor', 'The cursor is not one this API returned. Start again without it.');
  }
}

// Keyset pagination over (createdAt, id), newest first; the cursor is opaque to callers.
const encodeCursor = (post: Post) =>
  Buffer.from(JSON.stringify([post.createdAt.toISOString(), post.id])).toString('base64url');

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const createdAt = new Date(at);
    if (typeof id === 'string' && !Number.isNaN(createdAt.getTime())) return { createdAt, id };
  } catch {}
  throw new InvalidCursorError();
}

export function createPostRepository(db: PrismaClient) {
  return {
    /**
     * Stores a new post with its first status event. With an idempotency key the owner has
     * used before, returns that first post instead (`created: false`), even under a race.
     */
    async create(input: NewPost): Promise<{ post: Post; created: boolean }> {
      const scheduled = input.scheduledAt != null && new Date(input.scheduledAt) > new Date();
      const status: PostStatus = scheduled ? 'scheduled' : 'queued';
      try {
        const post = await db.$transaction(async (tx) => {
          const created = await tx.post.create({ data: { ...input, id: newId('post'), status } });
          await tx.postStatusEvent.create({
            data: { postId: created.id, status, at: created.createdAt },
          });
          return created;
        });
        return { post, created: true };
      } catch (error) {
        if (!isUniqueViolation(error) || input.idempotencyKey == null) throw error;
        const first = await db.post.findUnique({
          where: {
            ownerId_idempotencyKey: {
              ownerId: input.ownerId,
              idempotencyKey: input.idempotencyKey,
            },
          },
        });
        if (!first) throw error;
        return { post: first, created: false };
      }
    },

    /** A post with its status history, oldest first; `ownerId` hides other owners' posts. */
    async get(postId: string, scope: { ownerId?: string } = {}): Promise<PostWithEvents | null> {
      return db.post.findFirst({
        where: { id: postId, ownerId: scope.ownerId },
        include: { events: { orderBy: [{ at: 'asc' }, { id: 'asc' }] } },
      });
    },

    /** These posts with their status histories (oldest first), in no particular order. */
    async listWithEvents(postIds: readonly string[]): Promise<PostWithEvents[]> {
      return db.post.findMany({
        where: { id: { in: [...postIds] } },
        include: { events: { orderBy: [{ at: 'asc' }, { id: 'asc' }] } },
      });
    },

    /** Every post's status, by post id: a fleet-wide view (the chaos runs watch it). */
    async statusesOfAll(): Promise<Map<string, PostStatus>> {
      const rows = await db.post.findMany({ select: { id: true, status: true } });
      return new Map(rows.map((r) => [r.id, r.status]));
    },

    /** How many posts are uploading with some bytes already at TikTok. */
    async countMidUpload(): Promise<number> {
      return db.post.count({ where: { status: 'uploading', uploadedBytes: { gt: 0 } } });
    },

    async findByPublishId(publishId: string): Promise<Post | null> {
      return db.post.findUnique({ where: { publishId } });
    },

    /** The post an owner made with this idempotency key, if any. */
    async findByIdempotencyKey(ownerId: string, idempotencyKey: string): Promise<Post | null> {
      return db.post.findUnique({ where: { ownerId_idempotencyKey: { ownerId, idempotencyKey } } });
    },

    /**
     * The standing of the account a new post of this owner would go to, or null when the
     * owner has no such account: checked before the post is stored.
     */
    async accountForNewPost(
      ownerId: string,
      accountId: string,
    ): Promise<Pick<Account, 'status' | 'statusReason'> | null> {
      return db.account.findFirst({
        where: { id: accountId, ownerId },
        select: { status: true, statusReason: true },
      });
    },

    /** The post's status now (another process may have moved it); undefined when it is gone. */
    async currentStatus(postId: string): Promise<PostStatus | undefined> {
      const current = await db.post.findUnique({ where: { id: postId }, select: { status: true } });
      return current?.status;
    },

    /** A post of one account, or null when the account has no such post. */
    async getOfAccount(postId: string, accountId: string): Promise<Post | null> {
      return db.post.findFirst({ where: { id: postId, accountId } });
    },

    /** The account's posts that became these TikTok videos, by TikTok post id. */
    async findByTikTokPostIds(
      accountId: string,
      tiktokPostIds: readonly string[],
    ): Promise<Map<string, string>> {
      const posts = await db.post.findMany({
        where: { accountId, tiktokPostId: { in: [...tiktokPostIds] } },
        select: { id: true, tiktokPostId: true },
      });
      return new Map(posts.flatMap((p) => (p.tiktokPostId ? [[p.tiktokPostId, p.id]] : [])));
    },

    /** The status events of these posts, each post's oldest first. */
    async listEvents(postIds: readonly string[]): Promise<PostStatusEvent[]> {
      return db.postStatusEvent.findMany({
        where: { postId: { in: [...postIds] } },
        orderBy: [{ at: 'asc' }, { id: 'asc' }],
      });
    },

    /**
     * The account's posts that have not started (queued or scheduled, nothing sent to
     * TikTok yet): those an account that can no longer post fails at once.
     */
    async listNotStartedOfAccount(
      accountId: string,
    ): Promise<Array<Pick<Post, 'id' | 'accountId'>>> {
      return db.post.findMany({
        where: { accountId, status: { in: ['queued', 'scheduled'] }, publishId: null },
        select: { id: true, accountId: true },
      });
    },

    /** An owner's posts, newest first, optionally of one account and/or status. */
    async list(query: {
      ownerId: string;
      accountId?: string;
      status?: PostStatus;
      limit?: number;
      cursor?: string;
    }): Promise<{ posts: Post[]; nextCursor: string | null }> {
      const limit = Math.min(Math.max(query.limit ?? 50, 1), 100);
      const after = query.cursor ? decodeCursor(query.cursor) : undefined;
      const posts = await db.post.findMany({
        where: {
          ownerId: query.ownerId,
          accountId: query.accountId,
          status: query.status,
          ...(after && {
            OR: [
              { createdAt: { lt: after.createdAt } },
              { createdAt: after.createdAt, id: { lt: after.id } },
            ],
          }),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit + 1,
      });
      const page = posts.slice(0, limit);
      const last = page.at(-1);
      return { posts: page, nextCursor: posts.length > limit && last ? encodeCursor(last) : null };
    },

    /** An owner's most recently failed posts, the latest failure first (the fleet page). */
    async recentFailures(query: { ownerId: string; limit?: number }): Promise<Post[]> {
      return db.post.findMany({
        where: { ownerId: query.ownerId, status: 'failed' },
        orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
        take: Math.min(Math.max(query.limit ?? 10, 1), 100),
      });
    },

    /**
     * Moves a post to `status` and records the event, in one transaction. Only from `from`
     * when given (compare-and-set between workers), and never out of a final status, so a
     * canceled post cannot be revived by a late worker.
     */
    async transition(
      postId: string,
      status: PostStatus,
      options: { from?: PostStatus[]; changes?: PostChanges; detail?: Prisma.InputJsonValue } = {},
    ): Promise<Post> {
      const allowed = (options.from ?? openStatuses).filter((s) => !finalStatuses.includes(s));
      return db.$transaction(async (tx) => {
        const at = new Date();
        const { count } = await tx.post.updateMany({
          where: { id: postId, status: { in: allowed } },
          data: {
            ...options.changes,
            status,
            ...(status === 'published' && !options.changes?.publishedAt && { publishedAt: at }),
          },
        });
        if (count === 0) {
          const current = await tx.post.findUnique({
            where: { id: postId },
            select: { status: true },
          });
          if (!current) throw new PostNotFoundError(postId);
          throw new PostStatusConflictError(postId, current.status, status);
        }
        await tx.postStatusEvent.create({ data: { postId, status, at, detail: options.detail } });
        return tx.post.findUniqueOrThrow({ where: { id: postId } });
      });
    },

    /**
     * Fails every post of an account that is still in one of `statuses` (by default those
     * not started yet: queued, scheduled), with the error and a status event each, in one
     * transaction. For an account that can no longer post (disconnected, needs reauth).
     * Returns the posts it failed.
     */
    async failOpenPostsOfAccount(
      accountId: string,
      error: { code: string; message: string },
      statuses: readonly PostStatus[] = ['queued', 'scheduled'],
    ): Promise<Post[]> {
      const from = statuses.filter((s) => !finalStatuses.includes(s));
      return db.$transaction(async (tx) => {
        const at = new Date();
        // Row locks first, so a worker's concurrent transition waits and then sees `failed`.
        const ids = (
          await tx.$queryRaw<Array<{ id: string }>>`
            SELECT id FROM posts
            WHERE account_id = ${accountId} AND status::text = ANY(${from as string[]})
            FOR UPDATE`
        ).map((row) => row.id);
        if (ids.length === 0) return [];
        await tx.post.updateMany({
          where: { id: { in: ids } },
          data: { status: 'failed', errorCode: error.code, errorMessage: error.message },
        });
        await tx.postStatusEvent.createMany({
          data: ids.map((postId) => ({
            postId,
            status: 'failed' as const,
            at,
            detail: { code: error.code, message: error.message },
          })),
        });
        return tx.post.findMany({ where: { id: { in: ids } } });
      });
    },

    /**
     * Posts that are not final, oldest update first, a page at a time (keyset on updatedAt and
     * id): what the reconciler checks for a live job. `updatedBefore` skips posts that moved
     * a moment ago, whose job is surely on its way.
     */
    async listOpen(query: {
      updatedBefore: Date;
      after?: { updatedAt: Date; id: string };
      limit: number;
    }): Promise<Array<Pick<Post, 'id' | 'status' | 'updatedAt'>>> {
      const { after } = query;
      return db.post.findMany({
        where: {
          status: { in: openStatuses },
          updatedAt: { lt: query.updatedBefore },
          ...(after && {
            OR: [
              { updatedAt: { gt: after.updatedAt } },
              { updatedAt: after.updatedAt, id: { gt: after.id } },
            ],
          }),
        },
        select: { id: true, status: true, updatedAt: true },
        orderBy: [{ updatedAt: 'asc' }, { id: 'asc' }],
        take: query.limit,
      });
    },

    /**
     * Another post of the account whose upload is open at TikTok: initialised, not all bytes
     * sent, its upload URL still alive. TikTok takes one upload at a time per creator, so the
     * account's next upload waits for this one, whoever holds the account's lease.
     */
    async findOpenUpload(accountId: string, exceptPostId: string): Promise<string | null> {
      const rows = await db.$queryRaw<Array<{ id: string }>>`
        SELECT id FROM posts
        WHERE account_id = ${accountId} AND id <> ${exceptPostId}
          AND status = 'uploading'::post_status AND video_source_kind <> 'pullFromUrl'::video_source_kind
          AND publish_id IS NOT NULL AND upload_url_expires_at > now()
          AND (total_bytes IS NULL OR uploaded_bytes < total_bytes)
        LIMIT 1`;
      return rows[0]?.id ?? null;
    },

    /**
     * Records an event on a post without changing its status (a wait, a rescue, a callback
     * delivery). Works on final posts too, which `transition` rightly refuses to move.
     */
    async note(postId: string, status: PostStatus, detail: Prisma.InputJsonValue): Promise<void> {
      await db.postStatusEvent.create({ data: { postId, status, detail } });
    },

    /**
     * Records the bytes TikTok confirmed, only while the post is `uploading`: false when it
     * is not (canceled meanwhile), which tells the upload to stop.
     */
    async recordUploadProgress(postId: string, uploadedBytes: number): Promise<boolean> {
      const { count } = await db.post.updateMany({
        where: { id: postId, status: 'uploading' },
        data: { uploadedBytes },
      });
      return count === 1;
    },

    /**
     * Records how far ffmpeg got, only while the post is `preparing`: false when it is not
     * (canceled meanwhile), which tells the transcode to stop.
     */
    async recordPrepareProgress(postId: string, percent: number): Promise<boolean> {
      const { count } = await db.post.updateMany({
        where: { id: postId, status: 'preparing' },
        data: { preparePercent: percent },
      });
      return count === 1;
    },

    /** Records pipeline state without a status change (progress, publish id, upload URL). */
    async update(postId: string, changes: PostChanges): Promise<void> {
      const { count } = await db.post.updateMany({ where: { id: postId }, data: changes });
      if (count === 0) throw new PostNotFoundError(postId);
    },
  };
}

export type PostRepository = ReturnType<typeof createPostRepository>;
