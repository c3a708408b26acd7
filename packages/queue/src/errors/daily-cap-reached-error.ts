import { UnrecoverableError } from 'bullmq';

/**
 * An account's rolling 24-hour window is full and the post asked to fail rather than wait
 * (`onDailyCap: 'fail'`). Unrecoverable: retrying within the window cannot succeed.
 */
export class DailyCapReachedError extends UnrecoverableError {
  readonly code = 'daily_cap_reached';

  constructor(
    readonly accountId: string,
    readonly cap: number,
    readonly retryAt: Date,
  ) {
    super(
      `Account ${accountId} has already posted ${cap} times in the last 24 hours, the most ` +
        `this fleet allows. A slot frees at ${retryAt.toISOString()}: post again after that, ` +
        `or send onDailyCap: 'wait' to have the post wait for the slot.`,
    );
    this.name = 'DailyCapReachedError';
  }
}
