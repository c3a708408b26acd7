import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { type ApiFailure, api } from '../api';
import { PageTitle } from '../components/layout';
import { ErrorNotice, StatusBadge } from '../components/notices';
import { PostProgress } from '../components/post-progress';
import { formatDate } from '../format';
import { type Account, POST_STATUSES, type Post } from '../types';
import { useResource } from '../use-resource';

/** Canceling is possible until TikTok has the video (the API says 409 otherwise). */
const CANCELABLE = new Set<Post['status']>([
  'queued',
  'scheduled',
  'preparing',
  'validating',
  'uploading',
]);

export function PostsView() {
  const { query, route } = useLocation();
  const accountId = query.accountId ?? '';
  const status = query.status ?? '';
  const accounts = useResource(() => api<{ accounts: Account[] }>('GET', '/v1/accounts'), []);
  const posts = useResource(
    () => {
      const params = new URLSearchParams({ limit: '50' });
      if (accountId) params.set('accountId', accountId);
      if (status) params.set('status', status);
      return api<{ posts: Post[] }>('GET', `/v1/posts?${params}`);
    },
    [accountId, status],
    // Kept fresh: progress moves, and new posts (from the API or the CLI) appear.
    { everyMs: 2000 },
  );
  const [failure, setFailure] = useState<ApiFailure>();
  const names = new Map(
    (accounts.data?.accounts ?? []).map((a) => [a.id, a.creator.nickname ?? a.displayName ?? a.id]),
  );

  const filter = (next: { accountId?: string; status?: string }) => {
    const params = new URLSearchParams();
    const merged = { accountId, status, ...next };
    if (merged.accountId) params.set('accountId', merged.accountId);
    if (merged.status) params.set('status', merged.status);
    const search = params.toString();
    route(search ? `/posts?${search}` : '/posts', true);
  };

  const cancel = async (post: Post) => {
    setFailure(undefined);
    try {
      await api('POST', `/v1/posts/${encodeURIComponent(post.id)}/cancel`);
    } catch (error) {
      setFailure(error as ApiFailure);
    }
    await posts.reload();
  };

  return (
    <>
      <PageTitle>Posts</PageTitle>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <div class="field">
          <label for="filter-account">Account</label>
          <select
            id="filter-account"
            value={accountId}
            onChange={(event) => filter({ accountId: event.currentTarget.value })}
          >
            <option value="">All accounts</option>
            {(accounts.data?.accounts ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {names.get(a.id)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-status">Status</label>
          <select
            id="filter-status"
            value={status}
            onChange={(event) => filter({ status: event.currentTarget.value })}
          >
            <option value="">Any status</option>
            {POST_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <button type="button" onClick={() => void posts.reload()}>
          Refresh
        </button>
      </form>
      <ErrorNotice error={failure} what="The post could not be canceled" />
      <ErrorNotice error={posts.error} what="The posts could not be loaded" />
      {posts.data && posts.data.posts.length === 0 && (
        <p class="empty">
          No post matches. <a href="/post">Post a video</a>.
        </p>
      )}
      <ul class="cards" aria-label="Posts, newest first">
        {(posts.data?.posts ?? []).map((post) => (
          <li key={post.id} class="card" aria-labelledby={`post-${post.id}`}>
            <div class="card-head">
              <div>
                <h2 class="card-title" id={`post-${post.id}`}>
                  <a href={`/posts/${encodeURIComponent(post.id)}`}>
                    {post.caption.trim() || 'Untitled video'}
                  </a>
                </h2>
                <p class="muted">
                  {names.get(post.accountId) ?? post.accountId} · {formatDate(post.createdAt)}
                  {post.scheduledAt && ` · for ${formatDate(post.scheduledAt)}`}
                </p>
              </div>
              <StatusBadge status={post.status} />
            </div>
            <PostProgress post={post} />
            {CANCELABLE.has(post.status) && (
              <div class="actions">
                <button
                  type="button"
                  class="danger"
                  onClick={() => void cancel(post)}
                  aria-label={`Cancel the post “${post.caption.trim() || post.id}”`}
                >
                  Cancel
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
