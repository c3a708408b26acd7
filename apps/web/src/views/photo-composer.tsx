import { useState } from 'preact/hooks';
import { type ApiFailure, api, uploadMedia } from '../api';
import {
  CannotPostNotice,
  CreatorHeading,
  ModeField,
  type PostMode,
  PrivacyField,
  SubmitControls,
  UploadBar,
} from '../components/composer-parts';
import { DisclosureFields } from '../components/disclosure-fields';
import { FollowPost } from '../components/follow-post';
import { InteractionFields } from '../components/interaction-fields';
import { ErrorNotice } from '../components/notices';
import { PhotoPicker } from '../components/photo-picker';
import { type PhotoFacts, photoBlockers, photoVerdict } from '../photo-rules';
import { type Disclosure, type Interaction, NO_DISCLOSURE, NO_INTERACTIONS } from '../post-rules';
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
  const { texts, photoRules: rules } = options;
  const [files, setFiles] = useState<File[]>([]);
  const [facts, setFacts] = useState<PhotoFacts[]>([]);
  const [coverIndex, setCoverIndex] = useState(0);
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [privacy, setPrivacy] = useState<PrivacyLevel | ''>('');
  const [allowed, setAllowed] = useState<Record<Interaction, boolean>>(NO_INTERACTIONS);
  const [autoAddMusic, setAutoAddMusic] = useState(false);
  const [prepare, setPrepare] = useState(true);
  const [disclosure, setDisclosure] = useState<Disclosure>(NO_DISCLOSURE);
  const [mode, setMode] = useState<PostMode>('direct');
  const [phase, setPhase] = useState<Phase>({ kind: 'edit' });
  const [failure, setFailure] = useState<ApiFailure>();

  // A photo draft (MEDIA_UPLOAD) takes the title and description only: the Direct Post
  // fields are hidden and not sent.
  const draft = mode === 'draft';
  const blockers = photoBlockers(options, {
    photos: facts,
    title,
    description,
    privacy,
    disclosure,
    prepare,
    draft,
  });
  const editing = phase.kind === 'edit';
  const formDisabled = !options.canPost || !rules.available || !editing;
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
      <CreatorHeading options={options} id="photo-composer-title">
        Posting photos as
      </CreatorHeading>
      <CannotPostNotice options={options} />
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
            <PrivacyField
              options={options}
              id="photo-privacy"
              what="these photos"
              privacy={privacy}
              disclosure={disclosure}
              onChange={setPrivacy}
            />

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
          <ModeField name="photo-mode" mode={mode} onChange={setMode} />
        </fieldset>

        <SubmitControls
          options={options}
          disclosure={disclosure}
          mode={mode}
          blockers={blockers}
          editing={editing}
          reasonsId="photo-submit-reasons"
        />
      </fieldset>

      <ErrorNotice error={failure} what="The photos were not posted" />
      {phase.kind === 'uploading' && (
        <UploadBar
          label={`Uploading photo ${phase.photo} of ${files.length}`}
          sent={phase.sent}
          total={phase.total}
        />
      )}
      {phase.kind === 'creating' && <p role="status">Handing the photos to the fleet…</p>}
      {phase.kind === 'following' && (
        <FollowPost postId={phase.postId} processingNotice={texts.processingNotice} />
      )}
    </form>
  );
}
