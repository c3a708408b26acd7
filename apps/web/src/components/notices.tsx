import type { ApiFailure } from '../api';

export function ErrorNotice({ error, what }: { error: ApiFailure | undefined; what: string }) {
  if (!error) return null;
  return (
    <p role="alert" class="notice notice-error">
      {what}: {error.message} <span class="code">({error.code})</span>
    </p>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status}`}>{status.replace('_', ' ')}</span>;
}

export function Avatar({ url, name }: { url: string | null | undefined; name: string }) {
  const initial = (name.trim()[0] ?? '?').toUpperCase();
  return url ? (
    <img class="avatar" src={url} alt="" width={48} height={48} loading="lazy" />
  ) : (
    <span class="avatar avatar-initial" aria-hidden="true">
      {initial}
    </span>
  );
}
