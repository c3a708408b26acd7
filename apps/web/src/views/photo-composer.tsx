import { useState } from 'preact/hooks';
import { type ApiFailure, api, uploadMedia } from '../api';
import { DisclosureFields } from '../components/disclosure-fields';
import { FollowPost } from '../components/follow-post';
import { InteractionFields } from '../components/interaction-fields';
import { LinkedText } from '../components/linked-text';
import { Avatar, ErrorNotice } from '../components/notices';
import { PhotoPicker } from '../components/photo-picker';
import { formatBytes, PRIVACY_LABELS } from '../format';
import { type PhotoFacts, photoBlockers, photoVerdict } from '../photo-rules';
import {
  type Disclosure,
  declarationOf,
  type Interaction,
  privacyOptionDisabled,
} from '../post-rules';
import type { Post, PostingOptions, PrivacyLevel } from '../types';

type Phase =
  | { kind: 'edit' }
  | { kind: 'uploading'; sent: number; total: number; photo: number }
  | { kind: 'creating' }
  | { kind: 'following'; postId: string };

/**
 * The posting form for a photo carousel, with TikTok's photo rules (docs/tiktok-api.md,
 * Photo posts and Posting screen rules): a title (90) and a description (4000), privacy with
 * no default, only Allow Comment, the same disclosure and music declaration as for video.
 */
export function PhotoComposer({ options: given }: { options: PostingOptions }) {
  // The disclosure's words are written for a video; the same rule, said of a photo post.
  const options = {
    ...given,
    texts: {
      ...given.texts,
      commercialToggle: given.texts.commercialToggle.replace(/video/g, 'photo post'),
      commercialPrompt: given.texts.commercialPrompt.replace(/video/g, 'photo post'),
    },
  };
  const { creator, texts, photoRules: rules } = options;
  const [files, setFiles] = useState<File[]>([]);
  const [facts, setFacts] = useState<PhotoFacts[]>([]);
  const [coverIndex, setCoverIndex] = useState(0);
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [privacy, setPrivacy] = useState<PrivacyLevel | ''>('');
  const [allowed, setAllowed] = useState<Record<Interaction, boolean>>({
    comment: false,
    duet: false,
    stitch: false,
  });
  const [autoAddMusic, setAutoAddMusic] = useState(false);
  const [prepare, setPrepare] = useState(true);
  const [disclosure, setDisclosure] = useState<Disclosure>({
    on: false,
    yourBrand: false,
    brandedContent: false,
  });
  const [mode, setMode] = useState<'direct' | 'draft'>('direct');
  const [phase, setPhase] = useState<Phase>({ kind: 'edit' });
  const [failure, setFailure] = useState<ApiFailure>();

  // A photo draft (MEDIA_UPLOAD) takes the title and description only: the Direct Post
  // fields are hidden and not sent.
  const draft = mode === 'draft';
  const blockers = [
    ...photoBlockers(options, { photos: facts, title, description, privacy, prepare, draft }),
    ...(!draft && disclosure.on && !disclosure.yourBrand && !disclosure.brandedContent
      ? [texts.incompleteDisclosure]
      : []),
    ...(!draft && privacy === 'SELF_ONLY' && disclosure.on && disclosure.brandedContent
      ? [texts.brandedNotPrivate]
      : []),
  ];
  const editing = phase.kind === 'edit';
  const formDisabled = !options.canPost || !rules.available || !editing;
  const declaration = declarationOf(options, draft ? { ...disclosure, on: false } : disclosure);
  const name = creator.nickname ?? creator.username ?? options.accountId;
  const needsPreparing = facts.some((f) => photoVerdict(options, f).kind === 'prepare');

  const submit = async (event: Event) => {
    event.preventDefault();
    if (blockers.length > 0 || (!draft && privacy === '')) return;
    setFailure(undefined);
    try {
      const total = files.reduce((sum, f) => sum + f.size, 0);
      const paths: string[] = [];
      let done = 0;
      for (const [index, file] of files.entries()) {
        const stored = await uploadMedia(file, (sent) =>
          setPhase({ kind: 'uploading', sent: done + sent, total, photo: index + 1 }),
        );
        done += file.size;
        paths.push(stored.path);
      }
      setPhase({ kind: 'creating' });
      const post = await api<Post>('POST', '/v1/posts', {
        accountId: options.accountId,
        photos: paths.map((path) => ({ path })),
        coverIndex,
        title,
        description,
        ...(!draft && {
          privacyLevel: privacy,
          disableComment: !allowed.comment,
          autoAddMusic,
          brandOrganic: disclosure.on && disclosure.yourBrand,
          brandContent: disclosure.on && disclosure.brandedContent,
        }),
        mode,
        prepare: prepare ? 'auto' : 'never',
      });
      setPhase({ kind: 'following', postId: post.id });
    } catch (error) {
      setFailure(error as ApiFailure);
      setPhase({ kind: 'edit' });
    }
  };

  return (
    <form class="composer" onSubmit={submit} aria-labelledby="photo-composer-title" noValidate>
      <div class="creator">
        <Avatar url={creator.avatarUrl} name={name} />
        <p id="photo-composer-title">
          Posting photos as <strong data-testid="creator-nickname">{name}</strong>
          {creator.username && <span class="muted"> @{creator.username}</span>}
        </p>
      </div>
      {!options.canPost && (
        <p class="notice notice-error" role="alert">
          <strong>This creator cannot post right now.</strong> {options.cannotPost?.message}
        </p>
      )}
      {!rules.available && (
        <p class="notice notice-error" role="alert" data-testid="photos-unavailable">
          This fleet cannot post photos yet: TikTok fetches photos from a domain verified for the
          app, and the fleet has none set (MEDIA_PUBLIC_BASE_URL).
        </p>
      )}
      <fieldset disabled={formDisabled} class="plain">
        <legend class="visually-hidden">The photos and their settings</legend>
        <PhotoPicker
          options={options}
          disabled={formDisabled}
          coverIndex={coverIndex}
          onCover={setCoverIndex}
          onChange={(chosen, chosenFacts) => {
            setFiles(chosen);
            setFacts(chosenFacts);
          }}
        />
        <div class="check">
          <input
            id="prepare"
            type="checkbox"
            checked={prepare}
            onChange={(event) => setPrepare(event.currentTarget.checked)}
          />
          <label for="prepare">Convert PNG, HEIC and oversized photos to JPEG</label>
          {needsPreparing && prepare && (
            <span class="hint"> Some photos will be converted before posting.</span>
          )}
        </div>

        <div class="field">
          <label for="title">Title</label>
          <input
            id="title"
            type="text"
            value={title}
            aria-describedby="title-count"
            onInput={(event) => setTitle(event.currentTarget.value)}
          />
          <p
            id="title-count"
            class={title.length > rules.titleMaxLength ? 'field-error' : 'hint'}
            data-testid="title-count"
          >
            {title.length} / {rules.titleMaxLength}
          </p>
        </div>
        <div class="field">
          <label for="description">Description</label>
          <textarea
            id="description"
            rows={3}
            value={description}
            aria-describedby="description-count"
            onInput={(event) => setDescription(event.currentTarget.value)}
          />
          <p
            id="description-count"
            class={description.length > rules.descriptionMaxLength ? 'field-error' : 'hint'}
          >
            {description.length} / {rules.descriptionMaxLength}
          </p>
        </div>

        {!draft && (
          <>
            <div class="field">
              <label for="photo-privacy">Who can see these photos</label>
              <select
                id="photo-privacy"
                required
                value={privacy}
                onChange={(event) => setPrivacy(event.currentTarget.value as PrivacyLevel | '')}
              >
                <option value="" disabled>
                  Choose who can see these photos
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
            </div>

            {/* TikTok's photo posts have comments only: no Duet, no Stitch. */}
            <InteractionFields
              options={options}
              allowed={allowed}
              onChange={setAllowed}
              only={['comment']}
            />

            <fieldset class="group">
              <legend>Music</legend>
              <div class="check">
                <input
                  id="auto-music"
                  type="checkbox"
                  checked={autoAddMusic}
                  onChange={(event) => setAutoAddMusic(event.currentTarget.checked)}
                />
                <label for="auto-music">Add recommended music (TikTok picks it)</label>
              </div>
            </fieldset>

            <DisclosureFields
              options={options}
              privacy={privacy}
              disclosure={disclosure}
              onChange={setDisclosure}
            />
          </>
        )}

        <fieldset class="group">
          <legend>More</legend>
          <div class="check">
            <input
              id="photo-mode-direct"
              type="radio"
              name="photo-mode"
              checked={mode === 'direct'}
              onChange={() => setMode('direct')}
            />
            <label for="photo-mode-direct">Post directly to the profile (Direct Post)</label>
          </div>
          <div class="check">
            <input
              id="photo-mode-draft"
              type="radio"
              name="photo-mode"
              checked={mode === 'draft'}
              onChange={() => setMode('draft')}
            />
            <label for="photo-mode-draft">Send to the creator’s TikTok inbox as a draft</label>
          </div>
        </fieldset>

        <p class="declaration" data-testid="declaration">
          <LinkedText text={declaration.text} links={declaration.links} />
        </p>
        <button
          type="submit"
          class="primary"
          disabled={blockers.length > 0 || !editing}
          aria-describedby="photo-submit-reasons"
        >
          {mode === 'draft' ? 'Send to inbox' : 'Post to TikTok'}
        </button>
        <ul
          id="photo-submit-reasons"
          class="reasons"
          aria-live="polite"
          data-testid="submit-reasons"
        >
          {editing && blockers.map((reason) => <li key={reason}>{reason}</li>)}
        </ul>
      </fieldset>

      <ErrorNotice error={failure} what="The photos were not posted" />
      {phase.kind === 'uploading' && (
        <label class="bar">
          <span>
            Uploading photo {phase.photo} of {files.length}: {formatBytes(phase.sent)} of{' '}
            {formatBytes(phase.total)}
          </span>
          <progress max={phase.total} value={phase.sent} data-testid="upload-progress" />
        </label>
      )}
      {phase.kind === 'creating' && <p role="status">Handing the photos to the fleet…</p>}
      {phase.kind === 'following' && (
        <FollowPost postId={phase.postId} processingNotice={texts.processingNotice} />
      )}
    </form>
  );
}
