import type { PostRequest } from '@tiktok-fleet/posts';
import type { CreatorInfo } from '@tiktok-fleet/tiktok';
import { PostFailure } from '../errors';

export interface InteractionSettings {
  disableComment: boolean;
  disableDuet: boolean;
  disableStitch: boolean;
  /** What the creator's own settings turned off although the request left it on. */
  forced: Array<'comment' | 'duet' | 'stitch'>;
}

/**
 * Checks a request against what the creator may do right now (TikTok's UX rules,
 * docs/tiktok-api.md, Posting screen rules): the privacy level must be one of the creator's
 * options, and an interaction the creator has turned off stays off whatever the request asked.
 */
export function checkAgainstCreator(
  request: PostRequest,
  creator: CreatorInfo,
): InteractionSettings {
  // A draft sends TikTok none of these settings (docs/tiktok-api.md, Video init): nothing to
  // check, and nothing forced to tell the creator about.
  if (request.mode === 'draft') {
    return { disableComment: false, disableDuet: false, disableStitch: false, forced: [] };
  }
  const level = request.privacyLevel;
  if (level === undefined || !creator.privacyLevelOptions.includes(level)) {
    const allowed = creator.privacyLevelOptions;
    throw new PostFailure(
      'privacy_level_option_mismatch',
      `The privacy level ${request.privacyLevel} is not one this TikTok account can use ` +
        `right now; it allows ${allowed.length > 0 ? allowed.join(', ') : 'none at the moment'}. ` +
        'Send the post again with one of those.',
      { privacyLevel: request.privacyLevel, allowed },
    );
  }
  const forced: InteractionSettings['forced'] = [];
  if (creator.commentDisabled && !request.disableComment) forced.push('comment');
  if (creator.duetDisabled && !request.disableDuet) forced.push('duet');
  if (creator.stitchDisabled && !request.disableStitch) forced.push('stitch');
  return {
    disableComment: request.disableComment || creator.commentDisabled,
    disableDuet: request.disableDuet || creator.duetDisabled,
    disableStitch: request.disableStitch || creator.stitchDisabled,
    forced,
  };
}

const FORCED_NAMES: Record<InteractionSettings['forced'][number], string> = {
  comment: 'comments',
  duet: 'duets',
  stitch: 'stitches',
};

/** A sentence for the post's history when the creator's settings overrode the request. */
export function describeForced(forced: InteractionSettings['forced']): string | undefined {
  if (forced.length === 0) return undefined;
  const names = forced.map((f) => FORCED_NAMES[f]);
  return `The creator has turned off ${names.join(' and ')} in their TikTok settings, so they are off for this post too.`;
}
