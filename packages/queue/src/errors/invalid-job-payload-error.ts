import { UnrecoverableError } from 'bullmq';

/**
 * A job whose data does not match its declared schema. Retrying cannot fix the data, so it
 * is an UnrecoverableError: BullMQ fails the job at once instead of spending its attempts.
 */
export class InvalidJobPayloadError extends UnrecoverableError {
  readonly code = 'invalid_job_payload';

  constructor(
    readonly queueName: string,
    readonly jobName: string,
    readonly jobId: string | undefined,
    readonly problems: string[],
  ) {
    super(
      `The ${queueName}/${jobName} job${jobId ? ` ${jobId}` : ''} has invalid data: ` +
        `${problems.join('; ')}. Whoever added it must send data that matches the job catalog ` +
        'of @tiktok-fleet/queue; this job will not be retried.',
    );
    this.name = 'InvalidJobPayloadError';
  }
}
