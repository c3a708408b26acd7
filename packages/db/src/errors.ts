/** Errors the repositories raise; `code` is stable and safe to show a caller. */
export class DbError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class AccountNotFoundError extends DbError {
  constructor(readonly accountId: string) {
    super('account_not_found', `No account ${accountId}. Connect it first.`);
  }
}

/** The account was disconnected: it has no tokens any more. */
export class AccountRevokedError extends DbError {
  constructor(readonly accountId: string) {
    super(
      'account_revoked',
      `Account ${accountId} was disconnected and has no TikTok tokens. Connect it again.`,
    );
  }
}

/** The TikTok account is connected by another owner; taking it over silently would be wrong. */
export class AccountConnectedElsewhereError extends DbError {
  constructor() {
    super(
      'account_connected_elsewhere',
      'This TikTok account is already connected by another owner. It has to be disconnected ' +
        'there before it can be connected here.',
    );
  }
}

export class PostNotFoundError extends DbError {
  constructor(readonly postId: string) {
    super('post_not_found', `No post ${postId}.`);
  }
}

/** A status change lost a race, or asked to leave a final status. */
export class PostStatusConflictError extends DbError {
  constructor(
    readonly postId: string,
    readonly currentStatus: string,
    readonly wantedStatus: string,
  ) {
    super(
      'post_status_conflict',
      `Post ${postId} is ${currentStatus}; it cannot become ${wantedStatus} from there.`,
    );
  }
}

/**
 * A write of an account upload lease holder whose fence is no longer the post's: the holder
 * paused past its lease (a GC pause, a network cut) and another took the post over. The
 * write is refused so that two holders never both move the post.
 */
export class StaleUploadFenceError extends DbError {
  constructor(
    readonly postId: string,
    readonly fence: number,
    readonly currentFence: bigint | null,
  ) {
    super(
      'stale_upload_fence',
      `Post ${postId} was taken over by a newer holder of its account's upload lease ` +
        `(fence ${currentFence ?? 'none'}, this write had ${fence}); this write was refused. ` +
        'The newer holder carries on; nothing needs doing.',
    );
  }
}
