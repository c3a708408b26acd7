import { api } from '../api';
import { PageTitle } from '../components/layout';
import { ErrorNotice } from '../components/notices';
import { TableRegion } from '../components/table-region';
import { formatDate } from '../format';
import type { Fleet } from '../types';
import { useResource } from '../use-resource';

const COLUMNS = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

export function FleetView() {
  const fleet = useResource(() => api<Fleet>('GET', '/v1/fleet'), [], { everyMs: 5000 });
  const data = fleet.data;
  return (
    <>
      <PageTitle>Fleet</PageTitle>
      <div class="toolbar">
        <button type="button" onClick={() => void fleet.reload()} disabled={fleet.loading}>
          Refresh
        </button>
        {data?.bullBoardUrl && (
          <a class="button" href={data.bullBoardUrl}>
            Open Bull Board
          </a>
        )}
      </div>
      <ErrorNotice error={fleet.error} what="The fleet’s state could not be loaded" />
      {data && (
        <>
          <section aria-labelledby="queues-title">
            <h2 id="queues-title">Queues</h2>
            <TableRegion label="Queue depths">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Queue</th>
                    {COLUMNS.map((c) => (
                      <th key={c} scope="col">
                        {c}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(data.queues).map(([name, counts]) => (
                    <tr key={name}>
                      <th scope="row">{name}</th>
                      {COLUMNS.map((c) => (
                        <td key={c}>{counts[c] ?? 0}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableRegion>
          </section>
          <section aria-labelledby="workers-title">
            <h2 id="workers-title">Workers alive</h2>
            {data.workers.length === 0 ? (
              <p class="notice notice-error" role="status">
                No worker is running: posts wait in the queue until one starts.
              </p>
            ) : (
              <ul class="inline-list">
                {data.workers.map((w) => (
                  <li key={w.queue}>
                    {w.queue}: <strong>{w.count}</strong>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="failures-title">
            <h2 id="failures-title">Last failures</h2>
            {data.lastFailures.length === 0 ? (
              <p class="empty">No failure.</p>
            ) : (
              <ul class="cards">
                {data.lastFailures.map((f, index) => (
                  <li key={`${f.postId}-${f.at}-${index}`} class="card">
                    <p>
                      <span class="code">{f.code}</span> · {formatDate(f.at)}
                    </p>
                    <p>{f.message}</p>
                    {f.postId && (
                      <p>
                        <a href={`/posts/${encodeURIComponent(f.postId)}`}>The post</a>
                      </p>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </>
  );
}
