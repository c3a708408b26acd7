import { randomInt } from 'node:crypto';
import { newOpenId, unionIdFor } from './ids';
import type { Creator, SandboxState } from './state';

const names = ['River', 'Juniper', 'Sol', 'Marlow', 'Indigo', 'Wren', 'Ash', 'Nova', 'Sky', 'Rue'];

function bool(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new Error(`${name} must be a boolean.`);
  return value;
}

function text(value: unknown, name: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0) throw new Error(`${name} must be a string.`);
  return value;
}

/** Creates a creator from the control API's body (every field optional). */
export function createCreator(state: SandboxState, input: unknown, openId?: string): Creator {
  const body = (typeof input === 'object' && input !== null ? input : {}) as Record<
    string,
    unknown
  >;
  const id = openId ?? newOpenId();
  const suffix = randomInt(1000, 10000);
  const name = names[randomInt(0, names.length)] ?? 'Creator';
  const duration = body.maxVideoPostDurationSec ?? 600;
  if (typeof duration !== 'number' || !Number.isSafeInteger(duration) || duration <= 0) {
    throw new Error('maxVideoPostDurationSec must be a positive integer.');
  }
  const username = text(body.username, 'username', `${name.toLowerCase()}.${suffix}`);
  const creator: Creator = {
    openId: id,
    unionId: unionIdFor(id),
    username,
    nickname: text(body.nickname, 'nickname', `${name} ${suffix}`),
    avatarUrl: `https://p16-sign.tiktokcdn-us.com/tos-useast5-avt-0068-tx/${id}~c5_168x168.jpeg`,
    bioDescription: `Sandbox creator @${username}`,
    isVerified: false,
    privateAccount: bool(body.privateAccount, 'privateAccount', false),
    maxVideoPostDurationSec: duration,
    commentDisabled: bool(body.commentDisabled, 'commentDisabled', false),
    duetDisabled: bool(body.duetDisabled, 'duetDisabled', false),
    stitchDisabled: bool(body.stitchDisabled, 'stitchDisabled', false),
    bannedFromPosting: bool(body.bannedFromPosting, 'bannedFromPosting', false),
    createdAt: state.clock.now(),
  };
  state.creators.set(id, creator);
  return creator;
}

/** Options per account type, as creator_info documents them (docs/tiktok-api.md, Creator info). */
export function privacyLevelOptions(creator: Creator): string[] {
  return creator.privateAccount
    ? ['FOLLOWER_OF_CREATOR', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY']
    : ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'];
}

export function creatorInfoData(creator: Creator) {
  return {
    creator_avatar_url: creator.avatarUrl,
    creator_username: creator.username,
    creator_nickname: creator.nickname,
    privacy_level_options: privacyLevelOptions(creator),
    comment_disabled: creator.commentDisabled,
    // Duet and Stitch are off for private accounts, whatever the setting (docs/tiktok-api.md,
    // Creator info).
    duet_disabled: creator.duetDisabled || creator.privateAccount,
    stitch_disabled: creator.stitchDisabled || creator.privateAccount,
    max_video_post_duration_sec: creator.maxVideoPostDurationSec,
  };
}
