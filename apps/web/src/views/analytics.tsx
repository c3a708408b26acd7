import { useMemo } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../api';
import { type Series, TimeChart } from '../components/chart';
import { PageTitle } from '../components/layout';
import { ErrorNotice } from '../components/notices';
import { TableRegion } from '../components/table-region';
import { formatDate, formatNumber } from '../format';
import type { Account, AccountAnalytics, Metrics, MetricsPoint, PostAnalytics } from '../types';
import { useResource } from '../use-resource';

const COLORS = { views: '#1f6feb', likes: '#d1246b', comments: '#8250df', shares: '#1a7f37' };

function Numbers({ metrics, label }: { metrics: Metrics | null; label: string }) {
  if (!metrics) return <p class="empty">No numbers yet.</p>;
  const rows: [string, string][] = [
    ['Views', formatNumber(metrics.views)],
    ['Likes', formatNumber(metrics.likes)],
    ['Comments', formatNumber(metrics.comments)],
    ['Shares', formatNumber(metrics.shares)],
    ['Engagement rate', metrics.engagementRate == null ? '—' : `${metrics.engagementRate} %`],
  ];
  return (
    <dl class="numbers" aria-label={label}>
      {rows.map(([name, value]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd data-testid={`metric-${name.toLowerCase().replace(' ', '-')}`}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Points for the chart: the stored snapshots when the API sends them, else the videos. */
function MetricsChart({ points, label }: { points: MetricsPoint[]; label: string }) {
  const { times, series } = useMemo(() => {
    const sorted = [...points].sort((a, b) => a.capturedAt.localeCompare(b.capturedAt));
    const pick = (key: keyof typeof COLORS): Series => ({
      label: key,
      color: COLORS[key],
      values: sorted.map((p) => p[key]),
    });
    return {
      times: sorted.map((p) => Date.parse(p.capturedAt) / 1000),
      series: [pick('views'), pick('likes'), pick('comments'), pick('shares')],
    };
  }, [points]);
  if (points.length === 0) return null;
  return <TimeChart times={times} series={series} label={label} />;
}

export function AnalyticsView() {
  const { query, route } = useLocation();
  const accounts = useResource(() => api<{ accounts: Account[] }>('GET', '/v1/accounts'), []);
  const list = accounts.data?.accounts ?? [];
  const accountId = query.accountId ?? list[0]?.id;
  const postId = query.postId;
  const account = useResource(
    () =>
      accountId
        ? api<AccountAnalytics>('GET', `/v1/accounts/${encodeURIComponent(accountId)}/analytics`)
        : Promise.resolve(undefined),
    [accountId],
  );
  const post = useResource(
    () =>
      postId
        ? api<PostAnalytics>('GET', `/v1/posts/${encodeURIComponent(postId)}/analytics`)
        : Promise.resolve(undefined),
    [postId],
  );
  const refresh = () => {
    void account.reload();
    void post.reload();
  };
  const busy = account.loading || post.loading;
  const go = (next: { accountId?: string; postId?: string }) => {
    const params = new URLSearchParams();
    if (next.accountId) params.set('accountId', next.accountId);
    if (next.postId) params.set('postId', next.postId);
    route(`/analytics?${params}`, true);
  };
  const accountPoints: MetricsPoint[] =
    account.data?.history ?? account.data?.videos.map((v) => ({ ...v })) ?? [];
  const postPoints: MetricsPoint[] =
    post.data?.history ??
    (post.data?.metrics && post.data.capturedAt
      ? [{ ...post.data.metrics, capturedAt: post.data.capturedAt }]
      : []);

  return (
    <>
      <PageTitle>Analytics</PageTitle>
      <div class="filters">
        <div class="field">
          <label for="analytics-account">Account</label>
          <select
            id="analytics-account"
            value={accountId}
            onChange={(event) => go({ accountId: event.currentTarget.value })}
          >
            {list.map((a) => (
              <option key={a.id} value={a.id}>
                {a.creator.nickname ?? a.displayName ?? a.id}
              </option>
            ))}
          </select>
        </div>
        <button type="button" onClick={refresh} disabled={busy}>
          {busy ? 'Loading…' : 'Refresh'}
        </button>
      </div>
      <p class="hint">
        Numbers newer than 15 minutes come from the fleet’s store; older ones are fetched from
        TikTok again when you refresh.
      </p>
      <ErrorNotice error={accounts.error} what="The accounts could not be loaded" />
      {postId && (
        <section class="card" aria-labelledby="post-analytics-title">
          <h2 id="post-analytics-title">This post</h2>
          <ErrorNotice error={post.error} what="The post’s numbers could not be loaded" />
          {post.data && (
            <>
              <p class="muted">
                {post.data.freshness} · captured {formatDate(post.data.capturedAt)}
              </p>
              {post.data.note && <p class="notice">{post.data.note}</p>}
              <Numbers metrics={post.data.metrics} label="Numbers of this post" />
              <MetricsChart points={postPoints} label="This post’s numbers over its snapshots" />
            </>
          )}
          <p>
            <a href={`/posts/${encodeURIComponent(postId)}`}>The post’s details</a>
          </p>
        </section>
      )}
      <section class="card" aria-labelledby="account-analytics-title">
        <h2 id="account-analytics-title">The account</h2>
        <ErrorNotice error={account.error} what="The account’s numbers could not be loaded" />
        {account.data && (
          <>
            <p class="muted">
              {account.data.freshness} · captured {formatDate(account.data.capturedAt)}
            </p>
            {account.data.note && <p class="notice">{account.data.note}</p>}
            {account.data.profile && (
              <p>
                Followers {formatNumber(account.data.profile.followerCount)} · videos{' '}
                {formatNumber(account.data.profile.videoCount)} · likes{' '}
                {formatNumber(account.data.profile.likesCount)}
              </p>
            )}
            <Numbers metrics={account.data.totals} label="Totals of the account's videos" />
            <MetricsChart
              points={accountPoints}
              label={
                account.data.history
                  ? 'The account’s totals over the stored snapshots'
                  : 'Each video’s numbers at its latest snapshot'
              }
            />
            {account.data.videos.length > 0 && (
              <TableRegion label="Videos and their numbers">
                <table>
                  <caption>Videos</caption>
                  <thead>
                    <tr>
                      <th scope="col">Video</th>
                      <th scope="col">Views</th>
                      <th scope="col">Likes</th>
                      <th scope="col">Comments</th>
                      <th scope="col">Shares</th>
                      <th scope="col">Engagement</th>
                    </tr>
                  </thead>
                  <tbody>
                    {account.data.videos.map((v) => (
                      <tr key={v.tiktokVideoId}>
                        <th scope="row">
                          {v.postId ? (
                            <a
                              href={`/analytics?accountId=${encodeURIComponent(account.data?.accountId ?? '')}&postId=${encodeURIComponent(v.postId)}`}
                            >
                              {v.tiktokVideoId}
                            </a>
                          ) : (
                            v.tiktokVideoId
                          )}
                        </th>
                        <td>{formatNumber(v.views)}</td>
                        <td>{formatNumber(v.likes)}</td>
                        <td>{formatNumber(v.comments)}</td>
                        <td>{formatNumber(v.shares)}</td>
                        <td>{v.engagementRate == null ? '—' : `${v.engagementRate} %`}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableRegion>
            )}
          </>
        )}
      </section>
    </>
  );
}
