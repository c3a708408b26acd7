// TikTok's photo post rules for the posting form (docs/tiktok-api.md, Photo posts), as pure
// functions of the chosen images and the posting-options answer.
import { type Disclosure, disclosureBlockers } from './post-rules';
import type { PostingOptions, PrivacyLevel } from './types';

export interface PhotoFacts {
  name: string;
  type: string;
  size: number;
  /** null until the browser has decoded the image (or when it cannot, e.g. HEIC). */
  width: number | null;
  height: number | null;
}

/** What the fleet does with one image: send it as it is, turn it into a JPEG, or refuse it. */
export type PhotoVerdict =
  | { kind: 'ok' }
  | { kind: 'prepare'; why: string }
  | { kind: 'bad'; why: string };

export function photoVerdict(options: PostingOptions, photo: PhotoFacts): PhotoVerdict {
  const rules = options.photoRules;
  if (photo.size === 0) return { kind: 'bad', why: 'the file is empty' };
  if (!rules.formats.includes(photo.type)) {
    return rules.preparable.includes(photo.type)
      ? { kind: 'prepare', why: `${photo.type.replace('image/', '').toUpperCase()} becomes a JPEG` }
      : {
          kind: 'bad',
          why: `${photo.type || 'this type'} is not a picture TikTok takes (JPEG or WebP)`,
        };
  }
  if (photo.size > rules.maxBytes) return { kind: 'prepare', why: 'over 20 MB: made smaller' };
  const longer = Math.max(photo.width ?? 0, photo.height ?? 0);
  if (longer > rules.maxLongerSidePx) {
    return {
      kind: 'prepare',
      why: `${photo.width}x${photo.height}: scaled to ${rules.maxLongerSidePx} px`,
    };
  }
  return { kind: 'ok' };
}

export interface PhotoFormState {
  photos: PhotoFacts[];
  title: string;
  description: string;
  privacy: PrivacyLevel | '';
  /** The commercial content disclosure, as for a video (absent: nothing declared). */
  disclosure?: Disclosure;
  /** Whether the fleet may turn PNG, HEIC and oversized images into JPEGs. */
  prepare: boolean;
  /** A draft (MEDIA_UPLOAD): the creator chooses who can see it in the TikTok app. */
  draft?: boolean;
}

/** Every reason the photo Post button is off right now; empty when it may be pressed. */
export function photoBlockers(options: PostingOptions, form: PhotoFormState): string[] {
  const rules = options.photoRules;
  const reasons: string[] = [];
  if (!rules.available)
    reasons.push('This fleet cannot post photos yet (no MEDIA_PUBLIC_BASE_URL).');
  if (!options.canPost)
    reasons.push(options.cannotPost?.message ?? 'This creator cannot post now.');
  if (form.photos.length === 0) reasons.push('Choose 1 to 35 photos.');
  if (form.photos.length > rules.maxCount) {
    reasons.push(`${form.photos.length} photos chosen; TikTok takes at most ${rules.maxCount}.`);
  }
  form.photos.forEach((photo, index) => {
    const verdict = photoVerdict(options, photo);
    if (verdict.kind === 'bad') reasons.push(`Photo ${index + 1}: ${verdict.why}.`);
    if (verdict.kind === 'prepare' && !form.prepare) {
      reasons.push(
        `Photo ${index + 1}: ${verdict.why.split(':')[0]}; allow converting it to JPEG.`,
      );
    }
  });
  if (form.title.length > rules.titleMaxLength) {
    reasons.push(`The title is longer than ${rules.titleMaxLength} characters.`);
  }
  if (form.description.length > rules.descriptionMaxLength) {
    reasons.push(`The description is longer than ${rules.descriptionMaxLength} characters.`);
  }
  if (form.draft) return reasons;
  if (form.privacy === '') reasons.push('Choose who can see these photos.');
  if (form.disclosure) reasons.push(...disclosureBlockers(options, form.privacy, form.disclosure));
  return reasons;
}
