import { useState } from 'preact/hooks';
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

/** The creator's picture, or their initial when there is none or it does not load. */
export function Avatar({ url, name }: { url: string | null | undefined; name: string }) {
  const [failed, setFailed] = useState(false);
  const initial = (name.trim()[0] ?? '?').toUpperCase();
  return url && !failed ? (
    <img
      class="avatar"
      src={url}
      alt=""
      width={48}
      height={48}
      loading="lazy"
      onError={() => setFailed(true)}
    />
  ) : (
    <span class="avatar avatar-initial" aria-hidden="true">
      {initial}
    </span>
  );
}
