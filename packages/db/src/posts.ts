import {
  type Account,
  type Post,
  type PostStatus,
  PostStatus as PostStatusEnum,
  type PostStatusEvent,
  Prisma,
  type PrismaClient,
} from '../generated/prisma/client';
import {
  DbError,
  PostNotFoundError,
  PostStatusConflictError,
  StaleUploadFenceError,
} from './errors';
import { newId } from './ids';
import { POST_COLUMN_LIST, postFromRow, setClause } from './post-sql';
import { prepared } from './prepared';
import { isUniqueViolation } from './prisma-errors';

/** A post request as the API accepted it (docs/architecture.md, A post request). */
export type NewPost = Pick<
  Prisma.PostUncheckedCreateInput,
  | 'ownerId'
  | 'accountId'
  | 'videoSourceKind'
  | 'videoSource'
  | 'photoPost'
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
/**
 * Every status that is not final: the posts in a backlog. The backlog triggers' SQL
 * (post_status_is_open, migration 20261202130000_backlog_counters) lists the same statuses;
 * packages/db/test/backlog-counters.test.ts compares the two.
 */
export const openStatuses: readonly PostStatus[] = Object.values(PostStatusEnum).filter(
  (status) => !finalStatuses.includes(status),
);

/** The predicate of the partial index on open posts (prisma/schema.prisma), word for word. */
const OPEN_STATUS_PREDICATE = Prisma.raw(
  `status IN (${openStatuses.map((s) => `'${s}'`).join(', ')})`,
);

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
  /**
   * After a fenced write changed nothing: throws StaleUploadFenceError when the post's fence
   * moved on, PostNotFoundError when it is gone; else returns (the other condition refused
   * it, when `otherCondition`).
   */
  async function refuseFencedWrite(postId: string, fence: number, otherCondition = false) {
    const current = await db.post.findUnique({
      where: { id: postId },
      select: { uploadFence: true },
    });
    if (!current) throw new PostNotFoundError(postId);
    if (current.uploadFence !== BigInt(fence)) {
      throw new StaleUploadFenceError(postId, fence, current.uploadFence);
    }
    if (!otherCondition) throw new PostNotFoundError(postId);
  }

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

    /**
     * Stores a new post and its first status event in one statement, only when the owner has
     * the account and it can post (the enqueue path's account check, insert and event in one
     * round trip, a prepared statement). Answers the stored post with its event, or why
     * nothing was stored: no such account, an account that cannot post (its status), or an
     * idempotency key the owner already used (a race with another request: read that post
     * then). With `backlogCaps`, the same statement reads the backlog counters (the
     * account_backlogs and owner_backlogs rows the triggers on posts keep, so the cost does not
     * grow with the backlog) and stores nothing when either reached its cap (`backlog_full`,
     * answered before the account's refusals).
     *
     * The account's cap is exact: the statement locks the account's counter row (an upsert
     * whose update holds only below the cap, checked again on the row as the lock finds it),
     * so of two enqueues at the last slot one waits for the other and then sees it full. The
     * owner's cap is read, not locked (a sum of 16 shards): enqueues to two of its accounts
     * at the same time may both take its last slot, and the owner may go over by that many.
     */
    async createForAccount(
      input: NewPost,
      options: { backlogCaps?: { owner: number; account: number } } = {},
    ): Promise<
      | { kind: 'created'; post: Post; event: PostStatusEvent }
      | { kind: 'backlog_full'; open: { owner: number; account: number } }
      | { kind: 'no_account' }
      | { kind: 'account_unavailable'; status: Account['status']; reason: string | null }
      | { kind: 'duplicate_key' }
    > {
      const caps = options.backlogCaps;
      // Without caps the bounds are never reached; the statement stays the same text.
      const unbounded = 2_147_483_647;
      const ownerCap = caps?.owner ?? unbounded;
      const accountCap = caps?.account ?? unbounded;
      const now = new Date();
      const scheduledAt = input.scheduledAt == null ? null : new Date(input.scheduledAt);
      const status: PostStatus = scheduledAt != null && scheduledAt > now ? 'scheduled' : 'queued';
      const id = newId('post');
      // `slot` locks the account's counter row (creating it for an account that never had a
      // post); the insert trigger then counts the post on that row, after this statement.
      const rows = await db.$queryRaw<Array<Record<string, unknown>>>`${prepared('enqueue_post')}
        WITH acct AS (
          SELECT status, status_reason FROM accounts
          WHERE id = ${input.accountId}::text AND owner_id = ${input.ownerId}::text
        ),
        owner_open AS (
          SELECT coalesce(sum(open), 0)::int AS open FROM owner_backlogs
          WHERE owner_id = ${input.ownerId}::text
        ),
        account_open AS (
          SELECT coalesce((SELECT open FROM account_backlogs
            WHERE account_id = ${input.accountId}::text AND EXISTS (SELECT 1 FROM acct)), 0) AS open
        ),
        slot AS (
          INSERT INTO account_backlogs AS b (account_id, open)
          SELECT ${input.accountId}::text, 0 FROM acct, owner_open
          WHERE acct.status = 'active'::account_status AND owner_open.open < ${ownerCap}::int
            AND 0 < ${accountCap}::int
          ON CONFLICT (account_id) DO UPDATE SET open = b.open WHERE b.open < ${accountCap}::int
          RETURNING b.open
        ),
        ins AS (
          INSERT INTO posts (id, owner_id, account_id, video_source_kind, video_source, caption,
            privacy_level, disable_comment, disable_duet, disable_stitch, cover_timestamp_ms,
            brand_content, brand_organic, is_aigc, mode, scheduled_at, callback_url,
            fail_when_cap_reached, idempotency_key, prepare, photo_post, status, created_at,
            updated_at)
          SELECT ${id}::text, ${input.ownerId}::text, ${input.accountId}::text,
            ${input.videoSourceKind}::video_source_kind, ${input.videoSource}::text,
            ${input.caption ?? ''}::text, ${input.privacyLevel ?? null}::privacy_level,
            ${input.disableComment ?? false}::boolean, ${input.disableDuet ?? false}::boolean,
            ${input.disableStitch ?? false}::boolean, ${input.coverTimestampMs ?? null}::int,
            ${input.brandContent ?? false}::boolean, ${input.brandOrganic ?? false}::boolean,
            ${input.isAigc ?? false}::boolean, ${input.mode ?? 'direct'}::post_mode,
            ${scheduledAt}::timestamp, ${input.callbackUrl ?? null}::text,
            ${input.failWhenCapReached ?? false}::boolean, ${input.idempotencyKey ?? null}::text,
            ${input.prepare ?? null}::prepare_mode,
            ${input.photoPost == null ? null : JSON.stringify(input.photoPost)}::jsonb,
            ${status}::post_status, ${now}::timestamp, ${now}::timestamp
          FROM slot
          ON CONFLICT (owner_id, idempotency_key) DO NOTHING
          RETURNING ${POST_COLUMN_LIST}
        ),
        event AS (
          INSERT INTO post_status_events (post_id, status, at)
          SELECT id, status, created_at FROM ins
          RETURNING id
        )
        SELECT ins.*, acct.status::text AS _account_status, acct.status_reason AS _account_reason,
          event.id AS _event_id, owner_open.open AS _open_owner, account_open.open AS _open_account,
          slot.open AS _slot
        FROM owner_open CROSS JOIN account_open LEFT JOIN acct ON true LEFT JOIN slot ON true
          LEFT JOIN ins ON true LEFT JOIN event ON true`;
      const row = rows[0] ?? {};
      const open = { owner: Number(row._open_owner), account: Number(row._open_account) };
      const atCap = caps != null && (open.owner >= caps.owner || open.account >= caps.account);
      if (row._account_status == null) {
        return atCap ? { kind: 'backlog_full', open } : { kind: 'no_account' };
      }
      if (row._account_status !== 'active') {
        if (atCap) return { kind: 'backlog_full', open };
        return {
          kind: 'account_unavailable',
          status: row._account_status as Account['status'],
          reason: (row._account_reason as string | null) ?? null,
        };
      }
      if (row._slot == null) {
        // No slot for an active account: a cap was reached. When the counts read before the
        // lock were below, the account's last slot went to a request that held the lock
        // first: the account has at least its cap now.
        if (!caps) throw new Error(`No backlog slot for account ${input.accountId} without caps`);
        const accountFull = open.owner < caps.owner;
        return {
          kind: 'backlog_full',
          open: accountFull ? { ...open, account: Math.max(open.account, caps.account) } : open,
        };
      }
      if (row.id == null) return { kind: 'duplicate_key' };
      const post = postFromRow(row);
      const event: PostStatusEvent = {
        id: row._event_id as bigint,
        postId: post.id,
        status: post.status,
        at: post.createdAt,
        detail: null,
      };
      return { kind: 'created', post, event };
    },

    /** A post with its status history, oldest first; `ownerId` hides other owners' posts. */
    async get(postId: string, scope: { ownerId?: string } = {}): Promise<PostWithEvents | null> {
      return db.post.findFirst({
        where: { id: postId, ownerId: scope.ownerId },
        include: { events: { orderBy: [{ at: 'asc' }, { id: 'asc' }] } },
      });
    },

    /**
     * A post with the detail of its latest event (a job's one read of its post: it needs the
     * row, and of the history only whether it noted this wait already), in one statement.
     */
    async getForJob(
      postId: string,
    ): Promise<(Post & { lastEventDetail: Prisma.JsonValue | null }) | null> {
      const rows = await db.$queryRaw<Array<Record<string, unknown>>>`
        SELECT p.*, e.detail AS _last_detail FROM posts p
        LEFT JOIN LATERAL (
          SELECT detail FROM post_status_events ev WHERE ev.post_id = p.id
          ORDER BY ev.at DESC, ev.id DESC LIMIT 1
        ) e ON true
        WHERE p.id = ${postId}`;
      const row = rows[0];
      if (!row) return null;
      return { ...postFromRow(row), lastEventDetail: (row._last_detail ?? null) as never };
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

    /**
     * Open posts per status, with how long the oldest has been in it (since its last move
     * into that status): what the stuck-post alerts read at each scrape.
     */
    async openStatusAges(): Promise<
      Array<{ status: PostStatus; count: number; oldestSeconds: number }>
    > {
      const rows = await db.$queryRaw<
        Array<{ status: PostStatus; count: number; oldest_seconds: number | null }>
      >`
        SELECT p.status, count(*)::int AS count,
               EXTRACT(EPOCH FROM now() - min(e.entered))::float8 AS oldest_seconds
        FROM posts p
        CROSS JOIN LATERAL (
          SELECT coalesce(max(ev.at), p.created_at) AS entered
          FROM post_status_events ev WHERE ev.post_id = p.id AND ev.status = p.status
        ) e
        WHERE p.status::text = ANY(${[...openStatuses]})
        GROUP BY p.status`;
      return rows.map((r) => ({
        status: r.status,
        count: r.count,
        oldestSeconds: Math.max(0, r.oldest_seconds ?? 0),
      }));
    },

    /** How many of these posts are in each status (a daily cap's message counts them). */
    async countByStatus(postIds: readonly string[]): Promise<Partial<Record<PostStatus, number>>> {
      const rows = await db.post.groupBy({
        by: ['status'],
        where: { id: { in: [...postIds] } },
        _count: { _all: true },
      });
      return Object.fromEntries(rows.map((r) => [r.status, r._count._all]));
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
     * Moves a post to `status` and records the event, in one statement (a CTE that updates
     * the post where its status and fence still allow it, inserts the event and returns the
     * row). Only from `from` when given (compare-and-set between workers), and never out of
     * a final status, so a canceled post cannot be revived by a late worker. With `fence`
     * (a lease holder's write) only while the post's upload fence is that one: a holder
     * that paused past its lease, while another took the post over, is refused
     * (StaleUploadFenceError) by the same statement.
     */
    async transition(
      postId: string,
      status: PostStatus,
      options: {
        from?: PostStatus[];
        changes?: PostChanges;
        detail?: Prisma.InputJsonValue;
        fence?: number;
      } = {},
    ): Promise<Post> {
      const allowed = (options.from ?? openStatuses).filter((s) => !finalStatuses.includes(s));
      const at = new Date();
      const changes: Record<string, unknown> = { ...options.changes };
      if (status === 'published' && !changes.publishedAt) changes.publishedAt = at;
      const fenced =
        options.fence === undefined
          ? Prisma.empty
          : Prisma.sql`AND upload_fence = ${BigInt(options.fence)}`;
      const detail = options.detail === undefined ? null : JSON.stringify(options.detail);
      const rows = await db.$queryRaw<Array<Record<string, unknown>>>`
        WITH cur AS (SELECT status, upload_fence FROM posts WHERE id = ${postId}),
        moved AS (
          UPDATE posts SET status = ${status}::post_status, ${setClause(changes, at)}
          WHERE id = ${postId} AND status::text = ANY(${allowed as string[]}) ${fenced}
          RETURNING *
        ),
        event AS (
          INSERT INTO post_status_events (post_id, status, at, detail)
          SELECT id, status, ${at}::timestamp, ${detail}::jsonb FROM moved
        )
        SELECT moved.*, cur.status::text AS _current_status,
          cur.upload_fence AS _current_fence
        FROM cur LEFT JOIN moved ON true`;
      const row = rows[0];
      if (!row) throw new PostNotFoundError(postId);
      if (row.id != null) return postFromRow(row);
      const currentFence = row._current_fence as bigint | null;
      if (options.fence !== undefined && currentFence !== BigInt(options.fence)) {
        throw new StaleUploadFenceError(postId, options.fence, currentFence);
      }
      throw new PostStatusConflictError(postId, String(row._current_status), status);
    },

    /**
     * The upload lease holder's first write, in one statement: while no other post of the
     * account has an upload open at TikTok (initialised, not all bytes sent, its upload URL
     * alive: TikTok takes one upload at a time per creator), claims the post with the lease's
     * fence, so that its later writes can be made conditional on it, and, with `moveTo`, moves
     * it to that status with its event (as `transition`, from an open status only). An earlier
     * holder can write nothing after this statement, so the row it answers, not one read
     * before it, is what the new holder decides from. Answers `open_upload` with that
     * other post (nothing written), or the post as claimed: `canceled` when it is final (nothing
     * written); `has_init` (nothing written) when `moveTo` was asked but an earlier attempt
     * already stored its TikTok init: the caller claims it without the move and resumes it; a
     * newer holder's claim throws StaleUploadFenceError.
     */
    async claimUploadFor(
      postId: string,
      accountId: string,
      fence: number,
      moveTo?: { status: PostStatus; changes?: PostChanges; detail?: Prisma.InputJsonValue },
    ): Promise<
      | { kind: 'claimed'; post: Post }
      | { kind: 'open_upload'; otherPostId: string }
      | { kind: 'final'; status: PostStatus }
      | { kind: 'has_init' }
    > {
      const at = new Date();
      const moved = moveTo
        ? Prisma.sql`, status = ${moveTo.status}::post_status, ${setClause({ ...moveTo.changes }, at)}`
        : Prisma.empty;
      const detail = moveTo?.detail === undefined ? null : JSON.stringify(moveTo.detail);
      const rows = await db.$queryRaw<Array<Record<string, unknown>>>`
        WITH other AS (
          SELECT id FROM posts
          WHERE account_id = ${accountId} AND id <> ${postId}
            AND status = 'uploading'::post_status
            AND video_source_kind <> 'pullFromUrl'::video_source_kind
            AND publish_id IS NOT NULL AND upload_url_expires_at > now()
            AND (total_bytes IS NULL OR uploaded_bytes < total_bytes)
          LIMIT 1
        ),
        cur AS (SELECT status, upload_fence, publish_id FROM posts WHERE id = ${postId}),
        claimed AS (
          UPDATE posts SET upload_fence = ${BigInt(fence)} ${moved}
          WHERE id = ${postId} AND (upload_fence IS NULL OR upload_fence <= ${BigInt(fence)})
            AND status::text = ANY(${[...openStatuses]})
            AND NOT EXISTS (SELECT 1 FROM other)
            AND (${moveTo === undefined} OR publish_id IS NULL)
          RETURNING *
        ),
        event AS (
          INSERT INTO post_status_events (post_id, status, at, detail)
          SELECT id, status, ${at}::timestamp, ${detail}::jsonb FROM claimed
          WHERE ${moveTo !== undefined}
        )
        SELECT claimed.*, cur.status::text AS _current_status,
          cur.upload_fence AS _current_fence, cur.publish_id AS _current_publish_id,
          (SELECT id FROM other) AS _other
        FROM cur LEFT JOIN claimed ON true`;
      const row = rows[0];
      if (!row) throw new PostNotFoundError(postId);
      if (row.id != null) return { kind: 'claimed', post: postFromRow(row) };
      if (row._other != null) return { kind: 'open_upload', otherPostId: row._other as string };
      const current = row._current_status as PostStatus;
      if (finalStatuses.includes(current)) return { kind: 'final', status: current };
      const fenceAllows =
        row._current_fence == null || (row._current_fence as bigint) <= BigInt(fence);
      if (moveTo && fenceAllows && row._current_publish_id != null) return { kind: 'has_init' };
      throw new StaleUploadFenceError(postId, fence, row._current_fence as bigint | null);
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
     * a moment ago, whose job is surely on its way. Answers the page's ids and statuses and,
     * when the page is full, where the next one starts.
     */
    async listOpen(query: {
      updatedBefore: Date;
      after?: { updatedAt: Date; id: string };
      limit: number;
    }): Promise<{
      posts: Array<Pick<Post, 'id' | 'status'>>;
      next?: { updatedAt: Date; id: string };
    }> {
      const { after } = query;
      const keyset = after
        ? Prisma.sql`AND (updated_at, id) > (${after.updatedAt}::timestamp, ${after.id})`
        : Prisma.empty;
      // The status list is written out as the partial index posts_open_updated_at_id_idx
      // says it, so the planner walks that index (only open posts are in it). The page comes
      // back as one row of arrays: a reconciler pass reads every open post, and a row per post
      // costs the client several times what the database spends on it.
      const [row] = await db.$queryRaw<
        Array<{ ids: string[] | null; statuses: PostStatus[] | null; last_at: Date | null }>
      >`
        WITH page AS (
          SELECT id, status, updated_at FROM posts
          WHERE ${OPEN_STATUS_PREDICATE} AND updated_at < ${query.updatedBefore}::timestamp ${keyset}
          ORDER BY updated_at, id
          LIMIT ${query.limit}
        )
        SELECT array_agg(id ORDER BY updated_at, id) AS ids,
          array_agg(status::text ORDER BY updated_at, id) AS statuses,
          max(updated_at) AS last_at
        FROM page`;
      const ids = row?.ids ?? [];
      const statuses = row?.statuses ?? [];
      const posts = ids.map((id, i) => ({ id, status: statuses[i] as PostStatus }));
      const lastId = ids.at(-1);
      const full = ids.length === query.limit && lastId !== undefined && row?.last_at != null;
      return full ? { posts, next: { updatedAt: row.last_at as Date, id: lastId } } : { posts };
    },

    /**
     * Records an event on a post without changing its status (a wait, a rescue, a callback
     * delivery). Works on final posts too, which `transition` rightly refuses to move.
     */
    async note(
      postId: string,
      status: PostStatus,
      detail: Prisma.InputJsonValue,
      options: { fence?: number } = {},
    ): Promise<void> {
      if (options.fence === undefined) {
        await db.postStatusEvent.create({ data: { postId, status, detail } });
        return;
      }
      // A lease holder's note: only while its fence is the post's.
      const count = await db.$executeRaw`
        INSERT INTO post_status_events (post_id, status, at, detail)
        SELECT id, ${status}::post_status, ${new Date()}::timestamp, ${JSON.stringify(detail)}::jsonb
        FROM posts WHERE id = ${postId} AND upload_fence = ${BigInt(options.fence)}`;
      if (count === 0) await refuseFencedWrite(postId, options.fence);
    },

    /**
     * Records the bytes TikTok confirmed, only while the post is `uploading`: false when it
     * is not (canceled meanwhile), which tells the upload to stop.
     */
    async recordUploadProgress(
      postId: string,
      uploadedBytes: number,
      options: { fence?: number } = {},
    ): Promise<boolean> {
      const { count } = await db.post.updateMany({
        where: {
          id: postId,
          status: 'uploading',
          ...(options.fence !== undefined && { uploadFence: options.fence }),
        },
        data: { uploadedBytes },
      });
      if (count === 0 && options.fence !== undefined) {
        // Refused: canceled (false), or another holder took the post over (throws).
        await refuseFencedWrite(postId, options.fence, true);
      }
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
    async update(
      postId: string,
      changes: PostChanges,
      options: { fence?: number } = {},
    ): Promise<void> {
      const { count } = await db.post.updateMany({
        where: {
          id: postId,
          ...(options.fence !== undefined && { uploadFence: options.fence }),
        },
        data: changes,
      });
      if (count === 0 && options.fence !== undefined)
        await refuseFencedWrite(postId, options.fence);
      if (count === 0) throw new PostNotFoundError(postId);
    },
  };
}

export type PostRepository = ReturnType<typeof createPostRepository>;
