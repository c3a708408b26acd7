import path from 'node:path';
import {
  createPostRepository,
  type Db,
  type NewPost,
  type Post,
  PostNotFoundError,
} from '@tiktok-fleet/db';
import { enqueuePublish, type FleetQueues, InvalidJobPayloadError } from '@tiktok-fleet/queue';
import {
  backlogFull,
  checkCallbackAddress,
  checkSchedule,
  checkUploadOwner,
  type EnqueueLimits,
  markUploadUsed,
} from './enqueue-limits';
import { EnqueuePostError } from './errors/enqueue-post-error';
import { isRealPathInside, resolveMediaPath } from './media-path';
import { photoHostingNotConfigured, photoPostOf, toNewPhotoPost } from './photo-post';
import { isPhotoPostInput, type PhotoPostRequest, photoPostRequestSchema } from './photo-request';
import { type PostRequest, postRequestSchema } from './post-request';
import { type PostResource, toPostResource } from './post-resource';
import { formatValidationIssues } from './validation-issues';

export interface PostEnqueuerDeps {
  /** The Prisma client (`createPrismaClient`). */
  db: Db;
  /** Producer queues (`createQueues` on a `redisConnection(url, 'producer')` client). */
  queues: FleetQueues;
  /**
   * MEDIA_ROOT. With it, `video.path` may also be an absolute path inside it, and a symlink
   * out of it is caught here; without it, only relative paths that stay below it pass.
   */
  mediaRoot?: string;
  /**
   * MEDIA_PUBLIC_BASE_URL: where TikTok fetches photos from. Without it photo posts are
   * refused with photo_hosting_not_configured (TikTok takes photos only by URL).
   */
  mediaPublicBaseUrl?: string | undefined;
  /** Backlog caps, the schedule horizon and the callback address check (the API sets them). */
  limits?: EnqueueLimits;
}

export interface EnqueuePostInput {
  /** The caller's user id; the account must belong to it. */
  ownerId: string;
  /** The post request as received (JSON); validated here. */
  request: unknown;
  /** A repeated call with the same key returns the first post instead of a second one. */
  idempotencyKey?: string | undefined;
}

export interface EnqueuePostResult {
  post: PostResource;
  /** False when the idempotency key returned a post made earlier. */
  created: boolean;
}

export type PostEnqueuer = ReturnType<typeof createPostEnqueuer>;

/** How long an enqueue waits for Redis before it answers queue_unavailable. */
const ENQUEUE_DEADLINE_MS = 5_000;

/** Idempotency keys are opaque to us; the limits keep them usable as index entries. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const pendingStatuses = new Set<Post['status']>(['queued', 'scheduled']);

/**
 * The enqueue contract: what `POST /v1/posts` does, for backends that import
 * this package instead of calling HTTP. Validates the request, checks the account, stores
 * the post (queued, or scheduled when `scheduledAt` is in the future) and adds its
 * `publish` job (job id = post id, delayed until `scheduledAt`).
 *
 * Throws `EnqueuePostError`. With `queue_unavailable` the post IS stored: the reconciler
 * in the workers adds the job once Redis is back, and the same idempotency key returns it.
 */
export function createPostEnqueuer(deps: PostEnqueuerDeps) {
  const posts = createPostRepository(deps.db);

  async function resource(postId: string): Promise<PostResource> {
    const post = await posts.get(postId);
    if (!post) throw new PostNotFoundError(postId);
    return toPostResource(post, post.events);
  }

  async function addJob(post: Post): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      // A bound, so a caller never waits on a Redis that does not answer: the post is stored
      // and the reconciler adds its job later (job id = post id, so a late add is harmless).
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Redis did not answer within ${ENQUEUE_DEADLINE_MS} ms`)),
          ENQUEUE_DEADLINE_MS,
        );
      });
      await Promise.race([
        enqueuePublish(deps.queues, post.id, { scheduledAt: post.scheduledAt }),
        deadline,
      ]);
    } catch (error) {
      if (error instanceof InvalidJobPayloadError) throw error;
      throw new EnqueuePostError(
        'queue_unavailable',
        `Post ${post.id} is saved (${post.status}), but the job queue (Redis) could not be ` +
          'reached to start it. It starts by itself once Redis is back; sending the same ' +
          'request with the same Idempotency-Key returns this post instead of a second one.',
        { postId: post.id },
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async enqueuePost(input: EnqueuePostInput): Promise<EnqueuePostResult> {
      const request = parseRequest(input.request);
      if ('photos' in request && !deps.mediaPublicBaseUrl) throw photoHostingNotConfigured();
      const key = input.idempotencyKey;
      if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
        throw new EnqueuePostError(
          'invalid_request',
          'The Idempotency-Key must be 1 to 255 printable ASCII characters without spaces ' +
            '(a UUID is a good choice).',
          [{ field: 'Idempotency-Key', problem: 'must be 1 to 255 printable ASCII characters' }],
        );
      }
      const newPost =
        'photos' in request
          ? await toNewPhotoPost(input.ownerId, request, key, deps.mediaRoot)
          : await toNewPost(input.ownerId, request, key, deps.mediaRoot);
      const { limits } = deps;
      if (limits) {
        checkSchedule(limits, newPost.scheduledAt ? new Date(newPost.scheduledAt) : null);
        checkCallbackAddress(limits, newPost.callbackUrl ?? null);
      }

      // A replay is answered before the account is looked at: the account may have changed
      // since, and the caller must still get the post it made.
      if (key !== undefined) {
        const earlier = await posts.findByIdempotencyKey(input.ownerId, key);
        if (earlier) return replay(earlier, newPost);
      }

      // Uploads must be the owner's (a read, before the write).
      const mediaPaths = mediaPathsOf(newPost);
      for (const { path: relative, field } of mediaPaths) {
        await checkUploadOwner(deps.db, input.ownerId, relative, field);
      }
      // One statement reads the backlog counters (locking the account's), checks the account,
      // stores the post and its first event; the answer is built from what it returned. The
      // row exists before the job (docs/architecture.md, "Enqueue: the row before the job").
      const backlogCaps = limits && {
        owner: limits.backlogPerOwner,
        account: limits.backlogPerAccount,
      };
      const stored = await posts.createForAccount(newPost, { backlogCaps });
      // Only answered with backlogCaps, that is with limits.
      if (stored.kind === 'backlog_full') {
        throw backlogFull(limits as EnqueueLimits, request.accountId, stored.open);
      }
      if (stored.kind === 'duplicate_key') {
        // Another request with the same key stored its post between our read and our insert.
        const earlier = await posts.findByIdempotencyKey(input.ownerId, key as string);
        if (!earlier) throw new PostNotFoundError(`with idempotency key ${key}`);
        return replay(earlier, newPost);
      }
      if (stored.kind !== 'created') throw accountRefusal(request.accountId, stored);
      for (const { path: relative } of mediaPaths) await markUploadUsed(deps.db, relative);
      await addJob(stored.post);
      return { post: toPostResource(stored.post, [stored.event]), created: true };
    },
  };

  /** The MEDIA_ROOT files a new post uses (its video, or each photo), with the field named. */
  function mediaPathsOf(newPost: NewPost): Array<{ path: string; field: string }> {
    if (newPost.videoSourceKind === 'path' && newPost.videoSource) {
      return [{ path: newPost.videoSource, field: 'video.path' }];
    }
    const photos = photoPostOf(newPost);
    return (photos?.photos ?? []).flatMap((photo, index) =>
      'path' in photo ? [{ path: photo.path, field: `photos[${index}].path` }] : [],
    );
  }

  async function replay(earlier: Post, request: NewPost): Promise<EnqueuePostResult> {
    const differing = differingFields(earlier, request);
    if (differing.length > 0) {
      throw new EnqueuePostError(
        'idempotency_key_reused',
        `This Idempotency-Key was already used for post ${earlier.id} with a different ` +
          `request (${differing.join(', ')} differ). Use a new key for a new post.`,
        { postId: earlier.id },
      );
    }
    // The first call may have stored the post while Redis was down. The job id is the post
    // id, so adding it again is a no-op when the job exists; and when Redis is still down,
    // the workers' reconciler adds it later, so the replay need not fail for it.
    if (pendingStatuses.has(earlier.status)) await addJob(earlier).catch(() => undefined);
    return { post: await resource(earlier.id), created: false };
  }
}

function parseRequest(input: unknown): PostRequest | PhotoPostRequest {
  const schema = isPhotoPostInput(input) ? photoPostRequestSchema : postRequestSchema;
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const body = formatValidationIssues(parsed.error);
  throw new EnqueuePostError('invalid_request', body.message, body.details);
}

async function toNewPost(
  ownerId: string,
  request: PostRequest,
  idempotencyKey: string | undefined,
  mediaRoot: string | undefined,
): Promise<NewPost> {
  const { video } = request;
  let source: Pick<NewPost, 'videoSourceKind' | 'videoSource'>;
  if ('path' in video) {
    source = { videoSourceKind: 'path', videoSource: await checkedPath(video.path, mediaRoot) };
  } else if ('url' in video) {
    source = { videoSourceKind: 'url', videoSource: video.url };
  } else {
    source = { videoSourceKind: 'pullFromUrl', videoSource: video.pullFromUrl };
  }
  return {
    ownerId,
    accountId: request.accountId,
    ...source,
    caption: request.caption,
    privacyLevel: request.privacyLevel,
    disableComment: request.disableComment,
    disableDuet: request.disableDuet,
    disableStitch: request.disableStitch,
    coverTimestampMs: request.coverTimestampMs ?? null,
    brandContent: request.brandContent,
    brandOrganic: request.brandOrganic,
    isAigc: request.isAigc,
    mode: request.mode,
    scheduledAt: request.scheduledAt ? new Date(request.scheduledAt) : null,
    callbackUrl: request.callbackUrl ?? null,
    failWhenCapReached: request.onDailyCap === 'fail',
    prepare: request.prepare ?? null,
    idempotencyKey: idempotencyKey ?? null,
  };
}

const outsideMediaRoot = (requested: string) =>
  new EnqueuePostError(
    'video_path_outside_media_root',
    `video.path "${requested}" is outside the media directory. Give a path relative to ` +
      'MEDIA_ROOT (as POST /v1/media returns it), without ".." and without links out of it.',
    [{ field: 'video.path', problem: 'must stay inside MEDIA_ROOT' }],
  );

/**
 * The path as stored: relative to MEDIA_ROOT, normalised. `outside` makes the error (a photo
 * names its index).
 */
export async function checkedPath(
  requested: string,
  mediaRoot: string | undefined,
  outside: (requested: string) => EnqueuePostError = outsideMediaRoot,
): Promise<string> {
  // Without the real root, resolve against a stand-in: only relative paths can pass.
  const resolved = resolveMediaPath(mediaRoot ?? '/media-root', requested);
  if (!resolved || (!mediaRoot && path.isAbsolute(requested))) throw outside(requested);
  if (mediaRoot && !(await isRealPathInside(mediaRoot, resolved.absolute))) {
    throw outside(requested);
  }
  return resolved.relative;
}

/** Why the account refused a new post, as the enqueue contract says it. */
function accountRefusal(
  accountId: string,
  refused:
    | { kind: 'no_account' }
    | { kind: 'account_unavailable'; status: string; reason: string | null },
): EnqueuePostError {
  if (refused.kind === 'no_account') {
    return new EnqueuePostError(
      'account_not_found',
      `No account ${accountId} is connected for you. List yours with GET /v1/accounts, or ` +
        'connect one with POST /v1/accounts/connect.',
    );
  }
  if (refused.status === 'needs_reauth') {
    return new EnqueuePostError(
      'account_needs_reauth',
      `Account ${accountId} must be connected again before it can post: TikTok no longer ` +
        `accepts its authorization${refused.reason ? ` (${refused.reason})` : ''}. ` +
        'Start POST /v1/accounts/connect for it.',
    );
  }
  return new EnqueuePostError(
    'account_revoked',
    `Account ${accountId} was disconnected${refused.reason ? ` (${refused.reason})` : ''}. ` +
      'Connect it again with POST /v1/accounts/connect to post with it.',
  );
}

/** Which request fields of a stored post differ from a new request (idempotency check). */
function differingFields(post: Post, request: NewPost): string[] {
  const same = (a: unknown, b: unknown) =>
    a instanceof Date || b instanceof Date
      ? new Date(a as Date).getTime() === new Date(b as Date).getTime()
      : typeof a === 'object' && a !== null
        ? canonicalJson(a) === canonicalJson(b)
        : (a ?? null) === (b ?? null);
  const fields: Array<[string, keyof NewPost & keyof Post]> = [
    ['accountId', 'accountId'],
    ['video', 'videoSourceKind'],
    ['video', 'videoSource'],
    ['photos', 'photoPost'],
    ['caption', 'caption'],
    ['privacyLevel', 'privacyLevel'],
    ['disableComment', 'disableComment'],
    ['disableDuet', 'disableDuet'],
    ['disableStitch', 'disableStitch'],
    ['coverTimestampMs', 'coverTimestampMs'],
    ['brandContent', 'brandContent'],
    ['brandOrganic', 'brandOrganic'],
    ['isAigc', 'isAigc'],
    ['mode', 'mode'],
    ['scheduledAt', 'scheduledAt'],
    ['callbackUrl', 'callbackUrl'],
    ['onDailyCap', 'failWhenCapReached'],
    ['prepare', 'prepare'],
  ];
  const differing = fields.filter(([, column]) => !same(post[column], request[column]));
  return [...new Set(differing.map(([name]) => name))];
}

/** JSON with sorted keys: PostgreSQL's jsonb does not keep the order a value was written in. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
