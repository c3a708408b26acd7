// The operator CLI. `main.ts` is the entry point; this index is for tests and tooling.
export {
  type AccountView,
  ApiClient,
  type PostList,
  parseApiUrl,
} from './api-client';
export {
  ApiKeyMissingError,
  ApiKeyRefusedError,
  ApiRequestError,
  ApiUnreachableError,
  formatApiError,
} from './api-errors';
export { formatStats, JOB_STATES, type QueueCounts } from './commands/stats';
export { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './errors';
export { formatBytes, percentOf } from './format-bytes';
export { publishIdempotencyKey } from './idempotency-key';
export { parseLimit, parseSchedule } from './option-parsers';
export { FINAL_STATUSES, progressLine, progressOf, sendLine } from './post-progress';
export { buildProgram, DEFAULT_API_URL } from './program';
export { run } from './run';
export { formatDate, formatFields, formatTable } from './table';
