import { useRoute } from 'preact-iso';
import { api } from '../api';
import { PageTitle } from '../components/layout';
import { ErrorNotice, StatusBadge } from '../components/notices';
import { isFinal, PostProgress } from '../components/post-progress';
import { formatDate, PRIVACY_LABELS } from '../format';
import type { Post } from '../types';
import { useResource } from '../use-resource';

function detailText(detail: unknown): string | null {
  if (detail == null) return null;
  if (typeof detail === 'string') return detail;
  if (typeof detail === 'object') {
    const record = detail as Record<string, unknown>;
    if (typeof record.message === 'string') return record.message;
    return Object.entries(record)
      .map(
        ([key, value]) =>
          `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
      )
      .join(', ');
  }
  return String(detail);
}

export function PostDetailView() {
  const { params } = useRoute();
  const id = params.id ?? '';
  const post = useResource(() => api<Post>('GET', `/v1/posts/${encodeURIComponent(id)}`), [id], {
    everyMs: 2000,
    keepPolling: (p) => !isFinal(p.status),
  });
  const data = post.data;
  return (
    <>
      <PageTitle>Post</PageTitle>
      <p>
        <a href="/posts">← All posts</a>
      </p>
      <ErrorNotice error={post.error} what="The post could not be loaded" />
      {data && (
        <>
          <div class="card">
            <div class="card-head">
              <h2 class="card-title">{data.caption.trim() || 'Untitled video'}</h2>
              <StatusBadge status={data.status} />
            </div>
            <dl class="facts">
              <dt>Post id</dt>
              <dd class="code">{data.id}</dd>
              <dt>Account</dt>
              <dd class="code">{data.accountId}</dd>
              <dt>Privacy</dt>
              <dd>{data.privacyLevel ? PRIVACY_LABELS[data.privacyLevel] : '—'}</dd>
              <dt>Mode</dt>
              <dd>{data.mode === 'draft' ? 'draft in the inbox' : 'Direct Post'}</dd>
              <dt>Disclosure</dt>
              <dd>
                {[data.brandOrganic && 'your brand', data.brandContent && 'branded content']
                  .filter(Boolean)
                  .join(', ') || 'none'}
                {data.isAigc && ' · AI-generated'}
              </dd>
              <dt>Scheduled</dt>
              <dd>{formatDate(data.scheduledAt)}</dd>
            </dl>
            <PostProgress post={data} />
            {data.status === 'published' && (
              <p>
                <a
                  href={`/analytics?accountId=${encodeURIComponent(data.accountId)}&postId=${encodeURIComponent(data.id)}`}
                >
                  See its analytics
                </a>
              </p>
            )}
          </div>
          <section aria-labelledby="history-title">
            <h2 id="history-title">History</h2>
            <ol class="timeline" data-testid="timeline">
              {data.history.map((event, index) => (
                <li key={`${event.at}-${index}`}>
                  <StatusBadge status={event.status} />{' '}
                  <time dateTime={event.at}>{formatDate(event.at)}</time>
                  {detailText(event.detail) && <p class="muted">{detailText(event.detail)}</p>}
                </li>
              ))}
            </ol>
          </section>
        </>
      )}
    </>
  );
}
