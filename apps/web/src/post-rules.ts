// TikTok's Direct Post rules for the posting form, as pure functions of the form's state
// and the posting-options answer, so the form reads them and nothing else decides them.
import type { PostingOptions, PrivacyLevel } from './types';

/** TikTok counts a caption in UTF-16 code units: what a JavaScript string's length is. */
export const captionLength = (caption: string) => caption.length;

export type Interaction = 'comment' | 'duet' | 'stitch';

export const INTERACTIONS: { key: Interaction; label: string }[] = [
  { key: 'comment', label: 'Allow Comment' },
  { key: 'duet', label: 'Allow Duet' },
  { key: 'stitch', label: 'Allow Stitch' },
];

/** Whether the creator's own TikTok settings turned an interaction off. */
export function interactionDisabled(options: PostingOptions, key: Interaction): boolean {
  const { creator } = options;
  return key === 'comment'
    ? creator.commentDisabled
    : key === 'duet'
      ? creator.duetDisabled
      : creator.stitchDisabled;
}

export interface Disclosure {
  on: boolean;
  yourBrand: boolean;
  brandedContent: boolean;
}

/** Nothing allowed until the person turns it on (TikTok's rule: no interaction preset). */
export const NO_INTERACTIONS: Readonly<Record<Interaction, boolean>> = {
  comment: false,
  duet: false,
  stitch: false,
};

/** The disclosure toggle starts off, with neither kind chosen. */
export const NO_DISCLOSURE: Readonly<Disclosure> = {
  on: false,
  yourBrand: false,
  brandedContent: false,
};

/** With the toggle on, at least one of the two must be chosen. */
export const disclosureComplete = (d: Disclosure) => !d.on || d.yourBrand || d.brandedContent;

/** Branded content cannot be private: the two exclude each other. */
export const privacyOptionDisabled = (level: PrivacyLevel, d: Disclosure) =>
  level === 'SELF_ONLY' && d.on && d.brandedContent;

export const brandedContentDisabled = (privacy: PrivacyLevel | '') => privacy === 'SELF_ONLY';

/** Which declaration goes above the button, with the links it names. */
export function declarationOf(options: PostingOptions, d: Disclosure) {
  const { texts } = options;
  const branded = d.on && d.brandedContent;
  return {
    text: branded ? texts.declarationBranded : texts.declarationDefault,
    links: [
      ...(branded
        ? [{ label: 'Branded Content Policy', href: texts.links.brandedContentPolicy }]
        : []),
      { label: 'Music Usage Confirmation', href: texts.links.musicUsage },
    ],
  };
}

export interface VideoFacts {
  type: string;
  size: number;
  /** null while the browser has not read the file's duration. */
  durationSec: number | null;
  /** true when the browser could not read the file as a video. */
  unreadable: boolean;
}

/** The longest video this creator may post: the smaller of TikTok's and the fleet's caps. */
export const maxDurationOf = (options: PostingOptions) =>
  Math.min(options.creator.maxVideoPostDurationSec, options.rules.maxDurationSec);

/** Why this video cannot be posted, checked before a byte of it is uploaded. */
export function videoProblem(options: PostingOptions, video: VideoFacts): string | null {
  const { rules } = options;
  if (video.size === 0) return 'This file is empty.';
  if (video.size > rules.maxBytes) {
    return `This file is ${video.size} bytes; at most ${rules.maxBytes} bytes can be posted.`;
  }
  if (rules.formats.length > 0 && !rules.formats.includes(video.type)) {
    return `This file is ${video.type || 'of an unknown type'}; TikTok takes ${rules.formats.join(', ')}.`;
  }
  if (video.unreadable) return 'This browser cannot read this file as a video.';
  if (video.durationSec === null) return null;
  const max = maxDurationOf(options);
  if (video.durationSec > max) {
    const whose =
      max === options.creator.maxVideoPostDurationSec
        ? 'this creator can post at most'
        : 'the fleet posts at most';
    return `This video is ${round(video.durationSec)} s long; ${whose} ${max} s.`;
  }
  if (video.durationSec < rules.minDurationSec) {
    return `This video is ${round(video.durationSec)} s long; it must be at least ${rules.minDurationSec} s.`;
  }
  return null;
}

const round = (seconds: number) => Math.round(seconds * 10) / 10;

export interface FormState {
  privacy: PrivacyLevel | '';
  disclosure: Disclosure;
  caption: string;
  video: VideoFacts | null;
  /** When to post, if not now. */
  scheduledAt?: Date | null;
  /**
   * A draft for the creator's inbox: TikTok takes the video only, so the caption, privacy
   * and disclosure are the creator's to set in the app and block nothing here.
   */
  draft?: boolean;
}

/** Every reason the Post button is off right now; empty when it may be pressed. */
export function submitBlockers(
  options: PostingOptions,
  form: FormState,
  now = Date.now(),
): string[] {
  const reasons: string[] = [];
  if (!options.canPost)
    reasons.push(options.cannotPost?.message ?? 'This creator cannot post now.');
  if (!form.video) reasons.push('Choose a video.');
  else {
    const problem = videoProblem(options, form.video);
    if (problem) reasons.push(problem);
    else if (form.video.durationSec === null) reasons.push('Reading the video…');
  }
  if (form.scheduledAt && !(form.scheduledAt.getTime() > now)) {
    reasons.push('The time to post at has passed: choose a later one, or none to post now.');
  }
  if (form.draft) return reasons;
  if (captionLength(form.caption) > options.rules.captionMaxLength) {
    reasons.push(`The caption is longer than ${options.rules.captionMaxLength} characters.`);
  }
  if (form.privacy === '') reasons.push('Choose who can see this video.');
  reasons.push(...disclosureBlockers(options, form.privacy, form.disclosure));
  return reasons;
}

/** The disclosure's own reasons to keep the button off, for a video or a photo post. */
export function disclosureBlockers(
  options: PostingOptions,
  privacy: PrivacyLevel | '',
  disclosure: Disclosure,
): string[] {
  const reasons: string[] = [];
  if (!disclosureComplete(disclosure)) reasons.push(options.texts.incompleteDisclosure);
  if (privacy !== '' && privacyOptionDisabled(privacy, disclosure)) {
    reasons.push(options.texts.brandedNotPrivate);
  }
  return reasons;
}
