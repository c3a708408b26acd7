import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
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
import { PageTitle } from '../components/layout';
import { ErrorNotice } from '../components/notices';
import { VideoPicker } from '../components/video-picker';
import {
  captionLength,
  type Disclosure,
  type Interaction,
  maxDurationOf,
  NO_DISCLOSURE,
  NO_INTERACTIONS,
  submitBlockers,
  type VideoFacts,
  videoProblem,
} from '../post-rules';
import type { Account, Post, PostingOptions, PrivacyLevel } from '../types';
import { useResource } from '../use-resource';
import { PhotoComposer } from './photo-composer';

export function PostView() {
  const { query, route } = useLocation();
  const accounts = useResource(() => api<{ accounts: Account[] }>('GET', '/v1/accounts'), []);
  const active = (accounts.data?.accounts ?? []).filter((a) => a.status === 'active');
  const accountId = query.accountId ?? active[0]?.id;
  return (
    <>
      <PageTitle>Post to TikTok</PageTitle>
      <ErrorNotice error={accounts.error} what="The accounts could not be loaded" />
      {accounts.data && active.length === 0 && (
        <p class="empty">
          No account can post yet. <a href="/accounts">Connect a TikTok account</a> first.
        </p>
      )}
      {active.length > 0 && (
        <div class="field">
          <label for="account">Account</label>
          <select
            id="account"
            value={accountId}
            onChange={(event) =>
              route(`/post?accountId=${encodeURIComponent(event.currentTarget.value)}`, true)
            }
          >
            {active.map((account) => (
              <option key={account.id} value={account.id}>
                {account.creator.nickname ?? account.displayName ?? account.id}
                {account.username ? ` (@${account.username})` : ''}
              </option>
            ))}
          </select>
        </div>
      )}
      {/* A new key per account: the form starts over and fetches fresh creator info. */}
      {accountId && <PostForm key={accountId} accountId={accountId} />}
    </>
  );
}

type Phase =
  | { kind: 'edit' }
  | { kind: 'uploading'; sent: number; total: number }
  | { kind: 'creating' }
  | { kind: 'following'; postId: string };

function PostForm({ accountId }: { accountId: string }) {
  // Fresh creator info each time the form opens (TikTok's rule): never a cached copy.
  const options = useResource(
    () =>
      api<PostingOptions>('GET', `/v1/accounts/${encodeURIComponent(accountId)}/posting-options`),
    [accountId],
  );
  if (options.error) {
    return (
      <>
        <ErrorNotice error={options.error} what="TikTok’s posting options could not be loaded" />
        {options.error.retryAfterSec !== null && (
          <p class="hint">
            TikTok asks to wait {options.error.retryAfterSec} s before asking again.
          </p>
        )}
        <button type="button" onClick={() => void options.reload()}>
          Try again
        </button>
      </>
    );
  }
  if (!options.data) return <p class="loading">Asking TikTok what this creator can post…</p>;
  return <KindSwitch options={options.data} />;
}

/** A post is a video or a photo carousel; each has its own form and TikTok rules. */
function KindSwitch({ options }: { options: PostingOptions }) {
  const [kind, setKind] = useState<'video' | 'photos'>('video');
  return (
    <>
      <fieldset class="group kind-switch">
        <legend>What to post</legend>
        <div class="check">
          <input
            id="kind-video"
            type="radio"
            name="kind"
            checked={kind === 'video'}
            onChange={() => setKind('video')}
          />
          <label for="kind-video">A video</label>
        </div>
        <div class="check">
          <input
            id="kind-photos"
            type="radio"
            name="kind"
            checked={kind === 'photos'}
            onChange={() => setKind('photos')}
          />
          <label for="kind-photos">Photos (1 to {options.photoRules.maxCount})</label>
        </div>
      </fieldset>
      {kind === 'video' ? <Composer options={options} /> : <PhotoComposer options={options} />}
    </>
  );
}

function Composer({ options }: { options: PostingOptions }) {
  const { texts, rules } = options;
  const [caption, setCaption] = useState('');
  const [privacy, setPrivacy] = useState<PrivacyLevel | ''>('');
  const [allowed, setAllowed] = useState<Record<Interaction, boolean>>(NO_INTERACTIONS);
  const [disclosure, setDisclosure] = useState<Disclosure>(NO_DISCLOSURE);
  const [isAigc, setIsAigc] = useState(false);
  const [mode, setMode] = useState<PostMode>('direct');
  const [scheduleAt, setScheduleAt] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [facts, setFacts] = useState<VideoFacts | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'edit' });
  const [failure, setFailure] = useState<ApiFailure>();
  // Once the video is sent, its progress is what matters: bring it into view (on a phone
  // it is below the long form).
  const progressRef = useRef<HTMLDivElement>(null);
  const sending = phase.kind !== 'edit';
  useEffect(() => {
    if (sending) progressRef.current?.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }, [sending]);

  // A draft goes to the creator's inbox with the video only (TikTok's inbox upload takes no
  // post settings): the Direct Post fields are hidden and not sent.
  const draft = mode === 'draft';
  const problem = facts ? videoProblem(options, facts) : null;
  const blockers = submitBlockers(options, {
    privacy,
    disclosure,
    caption,
    video: facts,
    scheduledAt: scheduleAt ? new Date(scheduleAt) : null,
    draft,
  });
  const editing = phase.kind === 'edit';
  const formDisabled = !options.canPost || !editing;

  const submit = async (event: Event) => {
    event.preventDefault();
    if (blockers.length > 0 || !file || (!draft && privacy === '')) return;
    setFailure(undefined);
    try {
      setPhase({ kind: 'uploading', sent: 0, total: file.size });
      const stored = await uploadMedia(file, (sent, total) =>
        setPhase({ kind: 'uploading', sent, total }),
      );
      setPhase({ kind: 'creating' });
      const post = await api<Post>('POST', '/v1/posts', {
        accountId: options.accountId,
        video: { path: stored.path },
        ...(!draft && {
          caption,
          privacyLevel: privacy,
          disableComment: !allowed.comment,
          disableDuet: !allowed.duet,
          disableStitch: !allowed.stitch,
          brandOrganic: disclosure.on && disclosure.yourBrand,
          brandContent: disclosure.on && disclosure.brandedContent,
          isAigc,
        }),
        mode,
        scheduledAt: scheduleAt ? new Date(scheduleAt).toISOString() : null,
      });
      setPhase({ kind: 'following', postId: post.id });
    } catch (error) {
      setFailure(error as ApiFailure);
      setPhase({ kind: 'edit' });
    }
  };

  const length = captionLength(caption);
  return (
    <form class="composer" onSubmit={submit} aria-labelledby="composer-title" noValidate>
      <CreatorHeading options={options} id="composer-title">
        Posting as
      </CreatorHeading>

      <CannotPostNotice options={options} />
      {options.canPost && options.uploadInProgress && (
        <p class="notice" role="status">
          Another video of this account is uploading now; this one will start after it.
        </p>
      )}
      <p class="muted">
        Posts in the last 24 h: {options.dailyCap.used} of {options.dailyCap.cap}
      </p>

      <fieldset disabled={formDisabled} class="plain">
        <legend class="visually-hidden">The video and its settings</legend>
        <VideoPicker
          accept={rules.formats}
          disabled={formDisabled}
          problem={problem}
          onChange={(chosen, chosenFacts) => {
            setFile(chosen);
            setFacts(chosenFacts);
          }}
        />
        <p class="hint">
          {rules.minDurationSec} s to {maxDurationOf(options)} s; {rules.formats.join(', ')}.
        </p>

        <fieldset class="group">
          <legend>Where it goes</legend>
          <ModeField name="mode" mode={mode} onChange={setMode} />
        </fieldset>

        {draft ? (
          <p class="hint" data-testid="draft-hint">
            A draft goes to the creator’s TikTok inbox with the video only: they write the caption
            and choose who can see it, the interactions and the disclosure in the TikTok app when
            they finish the post.
          </p>
        ) : (
          <>
            <div class="field">
              <label for="caption">Caption</label>
              <textarea
                id="caption"
                rows={3}
                value={caption}
                aria-describedby="caption-count"
                onInput={(event) => setCaption(event.currentTarget.value)}
              />
              <p
                id="caption-count"
                class={length > rules.captionMaxLength ? 'field-error' : 'hint'}
                data-testid="caption-count"
              >
                {length} / {rules.captionMaxLength}
              </p>
            </div>

            <PrivacyField
              options={options}
              id="privacy"
              what="this video"
              privacy={privacy}
              disclosure={disclosure}
              onChange={setPrivacy}
              hint={
                disclosure.on && disclosure.brandedContent
                  ? texts.brandedNotPrivate
                  : 'No choice is made for you.'
              }
            />

            <InteractionFields options={options} allowed={allowed} onChange={setAllowed} />

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
          {!draft && (
            <div class="check">
              <input
                id="aigc"
                type="checkbox"
                checked={isAigc}
                onChange={(event) => setIsAigc(event.currentTarget.checked)}
              />
              <label for="aigc">AI-generated content</label>
            </div>
          )}
          <div class="field">
            <label for="schedule">Post at (optional)</label>
            <input
              id="schedule"
              type="datetime-local"
              value={scheduleAt}
              onInput={(event) => setScheduleAt(event.currentTarget.value)}
            />
          </div>
        </fieldset>

        <SubmitControls
          options={options}
          disclosure={disclosure}
          mode={mode}
          blockers={blockers}
          editing={editing}
          reasonsId="submit-reasons"
        />
      </fieldset>

      <ErrorNotice error={failure} what="The video was not posted" />
      <div ref={progressRef} />
      {phase.kind === 'uploading' && (
        <UploadBar label="Uploading" sent={phase.sent} total={phase.total} />
      )}
      {phase.kind === 'creating' && <p role="status">Handing the video to the fleet…</p>}
      {phase.kind === 'following' && (
        <FollowPost postId={phase.postId} processingNotice={texts.processingNotice} />
      )}
    </form>
  );
}
