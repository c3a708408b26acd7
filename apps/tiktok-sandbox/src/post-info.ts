import { ApiError } from './errors';

export interface PostInfo {
  title: string | null;
  privacyLevel: string | null;
  isAigc: boolean;
}

/** The docs' code for a bad post field is `invalid_param` (singular); see chunk-rules for the plural. */
const invalidParam = (message: string) => new ApiError('invalid_param', 400, message);

const booleans = [
  'disable_duet',
  'disable_comment',
  'disable_stitch',
  'brand_content_toggle',
  'brand_organic_toggle',
  'is_aigc',
];

/** `post_info` of a Direct Post init (docs/tiktok-api.md, Video init). */
export function parsePostInfo(value: unknown): PostInfo {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidParam('post_info is required and must be an object.');
  }
  const info = value as Record<string, unknown>;
  const title = info.title;
  if (title !== undefined && typeof title !== 'string')
    throw invalidParam('title must be a string.');
  // 2200 UTF-16 code units, which is what String#length counts. A deliberate copy of TikTok's
  // number, not an import of the fleet's CAPTION_MAX_LENGTH: the sandbox stands in for TikTok,
  // so a wrong limit in the fleet must fail against it instead of agreeing with it.
  if (typeof title === 'string' && title.length > 2200) {
    throw invalidParam('title may be at most 2200 UTF-16 characters long.');
  }
  for (const key of booleans) {
    if (info[key] !== undefined && typeof info[key] !== 'boolean') {
      throw invalidParam(`${key} must be a boolean.`);
    }
  }
  const privacy = info.privacy_level;
  return {
    title: typeof title === 'string' ? title : null,
    privacyLevel: typeof privacy === 'string' ? privacy : null,
    isAigc: info.is_aigc === true,
  };
}
