import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { type ApiFailure, api } from '../api';
import { ConfirmDialog } from '../components/confirm-dialog';
import { PageTitle } from '../components/layout';
import { Avatar, ErrorNotice, StatusBadge } from '../components/notices';
import { formatDate } from '../format';
import type { Account } from '../types';
import { useResource } from '../use-resource';

/** Starts TikTok's OAuth flow; the API sends the browser back to /accounts?accountId=. */
async function connectTikTok(): Promise<void> {
  const started = await api<{ authorizeUrl: string }>('POST', '/v1/accounts/connect', {
    redirectTo: '/accounts',
  });
  window.location.assign(started.authorizeUrl);
}

const nameOf = (account: Account) =>
  account.creator.nickname ?? account.displayName ?? account.username ?? account.openId;

export function AccountsView() {
  const { query } = useLocation();
  const accounts = useResource(() => api<{ accounts: Account[] }>('GET', '/v1/accounts'), []);
  const [connecting, setConnecting] = useState(false);
  const [failure, setFailure] = useState<ApiFailure>();
  const [toDisconnect, setToDisconnect] = useState<Account>();
  const [disconnecting, setDisconnecting] = useState(false);
  const highlighted = query.accountId;

  useEffect(() => {
    if (!highlighted || !accounts.data) return;
    document.getElementById(`account-${highlighted}`)?.scrollIntoView({ block: 'center' });
  }, [highlighted, accounts.data]);

  const connect = async () => {
    setConnecting(true);
    setFailure(undefined);
    try {
      await connectTikTok();
    } catch (error) {
      setFailure(error as ApiFailure);
      setConnecting(false);
    }
  };

  const disconnect = async () => {
    if (!toDisconnect) return;
    setDisconnecting(true);
    try {
      await api('DELETE', `/v1/accounts/${encodeURIComponent(toDisconnect.id)}`);
      setToDisconnect(undefined);
      await accounts.reload();
    } catch (error) {
      setFailure(error as ApiFailure);
      setToDisconnect(undefined);
    } finally {
      setDisconnecting(false);
    }
  };

  const list = accounts.data?.accounts ?? [];
  const newAccount = highlighted ? list.find((a) => a.id === highlighted) : undefined;
  return (
    <>
      <PageTitle>Accounts</PageTitle>
      <div class="toolbar">
        <button type="button" class="primary" onClick={connect} disabled={connecting}>
          {connecting ? 'Opening TikTok…' : 'Connect TikTok'}
        </button>
      </div>
      {query.error && (
        <p role="alert" class="notice notice-error">
          TikTok did not connect the account: {query.error_description ?? query.error}
        </p>
      )}
      {newAccount && (
        <p role="status" class="notice notice-ok">
          Connected {nameOf(newAccount)}.
        </p>
      )}
      <ErrorNotice error={failure} what="That did not work" />
      <ErrorNotice error={accounts.error} what="The accounts could not be loaded" />
      {accounts.data && list.length === 0 && (
        <p class="empty">No account is connected yet. Press “Connect TikTok” to add one.</p>
      )}
      <ul class="cards" aria-label="Connected accounts">
        {list.map((account) => (
          <AccountCard
            key={account.id}
            account={account}
            highlighted={account.id === highlighted}
            onReconnect={connect}
            onDisconnect={() => setToDisconnect(account)}
          />
        ))}
      </ul>
      <ConfirmDialog
        open={toDisconnect !== undefined}
        title={`Disconnect ${toDisconnect ? nameOf(toDisconnect) : ''}?`}
        confirmLabel={disconnecting ? 'Disconnecting…' : 'Disconnect'}
        busy={disconnecting}
        onConfirm={() => void disconnect()}
        onClose={() => setToDisconnect(undefined)}
      >
        <p>
          The fleet gives up its access at TikTok and erases the account’s tokens. Posts of this
          account that have not reached TikTok yet will fail. You can connect it again later.
        </p>
      </ConfirmDialog>
    </>
  );
}

function AccountCard(props: {
  account: Account;
  highlighted: boolean;
  onReconnect: () => void;
  onDisconnect: () => void;
}) {
  const { account } = props;
  const name = nameOf(account);
  const headingId = `account-${account.id}-name`;
  const capKnown = account.postsLast24h !== undefined && account.dailyCap !== undefined;
  return (
    <li
      id={`account-${account.id}`}
      class={`card${props.highlighted ? ' card-highlighted' : ''}`}
      aria-labelledby={headingId}
      aria-current={props.highlighted ? 'true' : undefined}
    >
      <div class="card-head">
        <Avatar url={account.creator.avatarUrl ?? account.avatarUrl} name={name} />
        <div>
          <h2 id={headingId} class="card-title">
            {name}
          </h2>
          <p class="muted">{account.username ? `@${account.username}` : account.openId}</p>
        </div>
        <StatusBadge status={account.status} />
      </div>
      <dl class="facts">
        <dt>Scopes</dt>
        <dd>{account.grantedScopes.join(', ') || 'none'}</dd>
        <dt>Token expires</dt>
        <dd>{formatDate(account.accessTokenExpiresAt)}</dd>
        <dt>Posts in 24 h</dt>
        <dd>{capKnown ? `${account.postsLast24h} of ${account.dailyCap}` : '—'}</dd>
        <dt>Upload</dt>
        <dd>{account.uploadInProgress ? 'running now' : 'none running'}</dd>
      </dl>
      {account.statusReason && account.status !== 'active' && (
        <p class="muted">{account.statusReason}</p>
      )}
      <div class="actions">
        {account.status === 'active' && (
          <a class="button" href={`/post?accountId=${encodeURIComponent(account.id)}`}>
            Post a video
          </a>
        )}
        {account.status === 'needs_reauth' && (
          <button type="button" class="primary" onClick={props.onReconnect}>
            Reconnect
          </button>
        )}
        {account.status !== 'revoked' && (
          <button
            type="button"
            class="danger"
            onClick={props.onDisconnect}
            aria-label={`Disconnect ${name}`}
          >
            Disconnect
          </button>
        )}
      </div>
    </li>
  );
}
