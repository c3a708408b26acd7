import { type Post, Prisma } from '../generated/prisma/client';

/**
 * Raw SQL helpers for the posts repository's one-statement writes: a `SET` list from the
 * changes a caller asks for, and a `posts` row (as PostgreSQL returns it) in Prisma's shape.
 */

/** The columns a write may set, by Prisma field name (schema.prisma's @map names). */
const COLUMNS: Record<string, string> = {
  caption: 'caption',
  privacyLevel: 'privacy_level',
  disableComment: 'disable_comment',
  disableDuet: 'disable_duet',
  disableStitch: 'disable_stitch',
  coverTimestampMs: 'cover_timestamp_ms',
  videoSource: 'video_source',
  scheduledAt: 'scheduled_at',
  callbackUrl: 'callback_url',
  publishId: 'publish_id',
  uploadUrl: 'upload_url',
  uploadUrlExpiresAt: 'upload_url_expires_at',
  uploadedBytes: 'uploaded_bytes',
  totalBytes: 'total_bytes',
  chunkSize: 'chunk_size',
  totalChunkCount: 'total_chunk_count',
  uploadFence: 'upload_fence',
  tiktokPostId: 'tiktok_post_id',
  shareUrl: 'share_url',
  errorCode: 'error_code',
  errorMessage: 'error_message',
  attemptCount: 'attempt_count',
  publishedAt: 'published_at',
  preparePercent: 'prepare_percent',
  preparedVideo: 'prepared_video',
};

/** Enum columns need a cast from the text parameter. */
const ENUM_TYPES: Record<string, string> = { privacy_level: 'privacy_level' };

const snakeToCamel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const camelToSnake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The posts table's columns, named (a prepared statement that says `*` would change its
 * result under a new column until each connection prepared it again). From Prisma's field
 * list, so it follows schema.prisma; the @map names are the fields in snake_case.
 */
export const POST_COLUMN_LIST = Prisma.raw(
  Object.values(Prisma.PostScalarFieldEnum)
    .map((field) => `"${camelToSnake(field)}"`)
    .join(', '),
);

/**
 * `col = $n, ...` for the given changes, always with `updated_at` (Prisma's @updatedAt is
 * set by the client, so raw writes set it themselves; from the client's clock, like Prisma).
 */
export function setClause(changes: Record<string, unknown>, at: Date): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    const column = COLUMNS[field];
    if (!column) throw new TypeError(`A post write cannot set ${field}.`);
    const name = Prisma.raw(`"${column}"`);
    if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      const { increment } = value as { increment?: unknown };
      if (typeof increment !== 'number' || Object.keys(value).length !== 1) {
        throw new TypeError(`A post write sets ${field} to a value or { increment }.`);
      }
      parts.push(Prisma.sql`${name} = ${name} + ${increment}`);
      continue;
    }
    const enumType = ENUM_TYPES[column];
    parts.push(
      enumType
        ? Prisma.sql`${name} = ${value}::${Prisma.raw(enumType)}`
        : Prisma.sql`${name} = ${value}`,
    );
  }
  parts.push(Prisma.sql`"updated_at" = ${at}::timestamp`);
  return Prisma.join(parts, ', ');
}

/**
 * A `posts` row as $queryRaw returns it (snake_case) in the shape Prisma's Post has; columns
 * whose name starts with `_` are extras of the query, not the post's.
 */
export function postFromRow(row: Record<string, unknown>): Post {
  const post: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (!key.startsWith('_')) post[snakeToCamel(key)] = value;
  }
  return post as unknown as Post;
}
