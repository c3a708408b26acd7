/**
 * An error the API answers with as `{ error: { code, message, details? } }`. `code` is a
 * stable string callers branch on; `message` is for a person and says what to do.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFound = (what: 'post' | 'account', id: string) =>
  new ApiError(
    404,
    `${what}_not_found`,
    what === 'post'
      ? `No post ${id}. It does not exist, or it belongs to another API key's owner.`
      : `No account ${id}. It does not exist, or it belongs to another API key's owner.`,
  );
