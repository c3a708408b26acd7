/**
 * The holder of a lease could no longer renew it: someone else took it (`taken`), or Redis
 * did not confirm a renewal before the lease ran out (`expired`). Work done under the lease
 * must stop; the job may run again later, when it can take the lease.
 */
export class LeaseLostError extends Error {
  readonly code = 'lease_lost';

  constructor(
    readonly namespace: string,
    readonly resourceId: string,
    readonly reason: 'taken' | 'expired',
    options?: { cause?: unknown },
  ) {
    super(
      reason === 'taken'
        ? `The ${namespace} lock of ${resourceId} was taken by another holder while this one ` +
            'was still working; this work stopped so that two never run at once. It is safe to retry.'
        : `The ${namespace} lock of ${resourceId} could not be renewed before it expired ` +
            '(Redis did not answer in time); this work stopped so that two never run at once. ' +
            'It is safe to retry once Redis answers.',
      options,
    );
    this.name = 'LeaseLostError';
  }
}
