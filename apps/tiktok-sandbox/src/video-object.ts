import { escapeHtml } from './authorize-page';
import type { SandboxContext } from './context';
import { videoCounts, videoDuration } from './engagement';
import { invalidParams } from './errors';
import type { Creator, Publish } from './state';

// Deliberate copy of packages/tiktok/src/display.ts: the sandbox must not import the client.
/** The Display API video object's fields (docs/tiktok-api.md, Display API). */
export const videoFields = [
  'id',
  'create_time',
  'cover_image_url',
  'share_url',
  'video_description',
  'duration',
  'height',
  'width',
  'title',
  'embed_html',
  'embed_link',
  'like_count',
  'comment_count',
  'share_count',
  'view_count',
  'is_aigc',
];

/** `fields` is required and comma-separated; an unknown field is refused, not ignored. */
export function parseFields(raw: unknown, known: string[]): string[] {
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw invalidParams('The fields query parameter is required.');
  }
  const fields = [
    ...new Set(
      raw
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean),
    ),
  ];
  const unknown = fields.filter((f) => !known.includes(f));
  if (unknown.length > 0) throw invalidParams(`Unknown fields: ${unknown.join(',')}.`);
  return fields;
}

export function videoObject(
  ctx: SandboxContext,
  publish: Publish,
  creator: Creator,
  fields: string[],
): Record<string, unknown> {
  const id = String(publish.postId);
  const postedAt = publish.completedAt ?? publish.createdAt;
  const shareUrl = `https://www.tiktok.com/@${creator.username}/video/${id}?utm_campaign=tt4d_open_api&utm_source=${ctx.state.clientKey}`;
  const embedLink = `https://www.tiktok.com/static/profile-video?id=${id}&hide_author=1&utm_campaign=tt4d_open_api&utm_source=${ctx.state.clientKey}`;
  const title = (publish.title ?? '').slice(0, 150);
  const all: Record<string, unknown> = {
    id,
    create_time: Math.floor(postedAt / 1000),
    // The docs give cover URLs a 6 h TTL; the signature-looking suffix mimics that.
    cover_image_url: `https://p16-sign.tiktokcdn-us.com/obj/tos-useast5-p-0068-tx/${id}~tplv-noop.image?x-expires=${Math.floor(ctx.state.clock.now() / 1000) + 6 * 3600}`,
    share_url: shareUrl,
    video_description: title,
    duration: videoDuration(id),
    height: 1920,
    width: 1080,
    title,
    embed_html: `<blockquote class="tiktok-embed" cite="${escapeHtml(shareUrl)}" data-video-id="${id}"><a href="${escapeHtml(shareUrl)}">${escapeHtml(title)}</a></blockquote>`,
    embed_link: embedLink,
    ...videoCounts(id, postedAt, ctx.state.clock.now()),
    is_aigc: publish.isAigc,
  };
  return Object.fromEntries(fields.map((f) => [f, all[f]]));
}
