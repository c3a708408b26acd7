// The pieces the video form and the photo form share: TikTok's posting screen asks the same
// of both (the creator shown, privacy with no default, Direct Post or inbox, the declaration
// above the button), so each piece is written once and both forms read the same rules.
import type { ComponentChildren } from 'preact';
import { formatBytes, formatDate, PRIVACY_LABELS } from '../format';
import { type Disclosure, declarationOf, privacyOptionDisabled } from '../post-rules';
import type { PostingOptions, PrivacyLevel } from '../types';
import { LinkedText } from './linked-text';
import { Avatar } from './notices';

export type PostMode = 'direct' | 'draft';

/** What the creator's nickname is shown as: TikTok's posting screen names who posts. */
export const creatorName = (options: PostingOptions) =>
  options.creator.nickname ?? options.creator.username ?? options.accountId;

export function CreatorHeading({
  options,
  id,
  children,
}: {
  options: PostingOptions;
  /** The heading the form is labelled by. */
  id: string;
  /** What the creator is posting, e.g. "Posting as" / "Posting photos as". */
  children: ComponentChildren;
}) {
  const { creator } = options;
  const name = creatorName(options);
  return (
    <div class="creator">
      <Avatar url={creator.avatarUrl} name={name} />
      <p id={id}>
        {children} <strong data-testid="creator-nickname">{name}</strong>
        {creator.username && <span class="muted"> @{creator.username}</span>}
      </p>
    </div>
  );
}

/** Why this creator cannot post now (TikTok's creator info said so), and when to try again. */
export function CannotPostNotice({ options }: { options: PostingOptions }) {
  if (options.canPost) return null;
  const retryAt = options.cannotPost?.retryAt;
  return (
    <div class="notice notice-error" role="alert" data-testid="cannot-post">
      <p>
        <strong>This creator cannot post right now.</strong> {options.cannotPost?.message}
      </p>
      <p>{retryAt ? `Try again after ${formatDate(retryAt)}.` : 'Try again later.'}</p>
    </div>
  );
}

/**
 * Who can see the post, from the creator's own options and with no default (TikTok's rule:
 * the person chooses). Private is off while branded content is declared.
 */
export function PrivacyField({
  options,
  id,
  what,
  privacy,
  disclosure,
  onChange,
  hint,
}: {
  options: PostingOptions;
  id: string;
  /** "this video" / "these photos". */
  what: string;
  privacy: PrivacyLevel | '';
  disclosure: Disclosure;
  onChange: (privacy: PrivacyLevel | '') => void;
  hint?: string;
}) {
  const { creator, texts } = options;
  const hintId = `${id}-hint`;
  return (
    <div class="field">
      <label for={id}>Who can see {what}</label>
      <select
        id={id}
        required
        value={privacy}
        aria-describedby={hint ? hintId : undefined}
        onChange={(event) => onChange(event.currentTarget.value as PrivacyLevel | '')}
      >
        <option value="" disabled>
          Choose who can see {what}
        </option>
        {creator.privacyLevelOptions.map((level) => {
          const off = privacyOptionDisabled(level, disclosure);
          return (
            <option
              key={level}
              value={level}
              disabled={off}
              title={off ? texts.brandedNotPrivate : undefined}
            >
              {PRIVACY_LABELS[level] ?? level}
            </option>
          );
        })}
      </select>
      {hint && (
        <p id={hintId} class="hint">
          {hint}
        </p>
      )}
    </div>
  );
}

/** Direct Post to the profile, or a draft to the creator's TikTok inbox. */
export function ModeField({
  name,
  mode,
  onChange,
}: {
  /** The radio group's name, also the prefix of its ids. */
  name: string;
  mode: PostMode;
  onChange: (mode: PostMode) => void;
}) {
  const choices: { value: PostMode; label: string }[] = [
    { value: 'direct', label: 'Post directly to the profile (Direct Post)' },
    { value: 'draft', label: 'Send to the creator’s TikTok inbox as a draft' },
  ];
  return (
    <>
      {choices.map(({ value, label }) => (
        <div class="check" key={value}>
          <input
            id={`${name}-${value}`}
            type="radio"
            name={name}
            checked={mode === value}
            onChange={() => onChange(value)}
          />
          <label for={`${name}-${value}`}>{label}</label>
        </div>
      ))}
    </>
  );
}

/**
 * The declaration TikTok requires right above the button (which policies the person agrees
 * to), the button, and every reason it is off, read out as they change.
 */
export function SubmitControls({
  options,
  disclosure,
  mode,
  blockers,
  editing,
  reasonsId,
}: {
  options: PostingOptions;
  disclosure: Disclosure;
  mode: PostMode;
  blockers: string[];
  editing: boolean;
  reasonsId: string;
}) {
  const { texts } = options;
  // A draft carries no disclosure (the creator sets it in the app): the default declaration.
  const declaration = declarationOf(
    options,
    mode === 'draft' ? { ...disclosure, on: false } : disclosure,
  );
  return (
    <>
      <p class="declaration" data-testid="declaration">
        <LinkedText text={declaration.text} links={declaration.links} />
      </p>
      <span
        title={
          blockers.includes(texts.incompleteDisclosure) ? texts.incompleteDisclosure : undefined
        }
      >
        <button
          type="submit"
          class="primary"
          disabled={blockers.length > 0 || !editing}
          aria-describedby={reasonsId}
        >
          {mode === 'draft' ? 'Send to inbox' : 'Post to TikTok'}
        </button>
      </span>
      <ul id={reasonsId} class="reasons" aria-live="polite" data-testid="submit-reasons">
        {editing && blockers.map((reason) => <li key={reason}>{reason}</li>)}
      </ul>
    </>
  );
}

/** The browser's upload of the file(s) to the fleet, before the post exists. */
export function UploadBar({
  sent,
  total,
  label,
}: {
  sent: number;
  total: number;
  /** Said before the byte counts, e.g. "Uploading photo 2 of 3". */
  label: string;
}) {
  return (
    <label class="bar">
      <span>
        {label}: {formatBytes(sent)} of {formatBytes(total)}
      </span>
      <progress max={total} value={sent} data-testid="upload-progress" />
    </label>
  );
}
