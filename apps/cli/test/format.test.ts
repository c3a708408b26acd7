import { describe, expect, it } from 'vitest';
import {
  formatApiError,
  formatBytes,
  formatFields,
  formatStats,
  formatTable,
  parseLimit,
  parseSchedule,
  percentOf,
  progressLine,
  progressOf,
  publishIdempotencyKey,
  sendLine,
} from '../src/index';

const post = (status: string, uploadedBytes: number, totalBytes: number | null) => ({
  status: status as 'uploading',
  progress: { uploadedBytes, totalBytes },
});

describe('bytes and percentages', () => {
  it('uses binary units with one decimal', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 ** 2)).toBe('3.0 MiB');
    expect(formatBytes(4 * 1024 ** 3)).toBe('4.0 GiB');
  });

  it('shows 100 % only when every byte is there', () => {
    expect(percentOf(999, 1000)).toBe(99);
    expect(percentOf(1000, 1000)).toBe(100);
    expect(percentOf(5, null)).toBe(0);
    expect(percentOf(0, 0)).toBe(100);
  });
});

describe('the follow view', () => {
  it('has no percentage before the worker has sized the file', () => {
    expect(progressLine('post_1', progressOf(post('queued', 0, null)))).toBe('post_1  queued');
  });

  it('shows the stage, the percentage and the bytes while uploading', () => {
    expect(progressLine('post_1', progressOf(post('uploading', 512 * 1024, 2 * 1024 ** 2)))).toBe(
      'post_1  uploading   25 %  512.0 KiB of 2.0 MiB',
    );
  });

  it('counts the upload as complete once TikTok is processing, even if the last chunk was not seen', () => {
    const view = progressOf(post('processing', 1024, 4096));
    expect(view.percent).toBe(100);
    expect(view.uploadedBytes).toBe(4096);
    expect(progressLine('post_1', view)).toContain('processing 100 %  4.0 KiB of 4.0 KiB');
  });

  it('keeps the real count for a failed upload', () => {
    expect(progressOf(post('failed', 1024, 4096)).percent).toBe(25);
  });

  it('describes the local upload the same way', () => {
    expect(sendLine('clip.mp4', 2048, 2048)).toBe('sending clip.mp4  100 %  2.0 KiB of 2.0 KiB');
  });
});

describe('tables', () => {
  it('pads every column but the last, with no trailing spaces', () => {
    expect(
      formatTable(
        ['ID', 'STATUS', 'NOTE'],
        [
          ['post_1', 'published', ''],
          ['post_22', 'failed', 'too short'],
        ],
      ),
    ).toBe(
      ['ID       STATUS     NOTE', 'post_1   published', 'post_22  failed     too short'].join(
        '\n',
      ),
    );
  });

  it('aligns fields', () => {
    expect(
      formatFields([
        ['id', 'acc_1'],
        ['status', 'active'],
      ]),
    ).toBe('id:     acc_1\nstatus: active');
  });

  it('shows queue counts with a marker for a paused queue', () => {
    const row = { waiting: 1, delayed: 2, active: 0, completed: 5, failed: 0, paused: 0 };
    const text = formatStats([
      { queue: 'publish', isPaused: false, ...row },
      { queue: 'notify', isPaused: true, ...row, waiting: 0, paused: 3 },
    ]);
    expect(text.split('\n')).toEqual([
      'QUEUE            WAITING  DELAYED  ACTIVE  COMPLETED  FAILED  PAUSED',
      'publish          1        2        0       5          0       0',
      'notify (paused)  0        2        0       5          0       3',
    ]);
  });
});

describe('API errors', () => {
  it('prints the message, then the code, as one line', () => {
    expect(formatApiError('account_not_found', 'No account acc_1. Connect it first.')).toBe(
      'No account acc_1. Connect it first. (account_not_found)',
    );
  });

  it('adds the field problems the message does not already name', () => {
    expect(
      formatApiError(
        'invalid_request',
        'The request is not valid: caption is too long (and 1 more problem).',
        [
          { field: 'caption', problem: 'is too long' },
          { field: 'privacyLevel', problem: 'must be one of SELF_ONLY, ...' },
        ],
      ),
    ).toBe(
      'The request is not valid: caption is too long (and 1 more problem). (invalid_request); also: privacyLevel must be one of SELF_ONLY, ...',
    );
  });

  it('never spans lines', () => {
    expect(formatApiError('x', 'first\n  second')).toBe('first second (x)');
  });
});

describe('options', () => {
  it('turns a schedule with a zone into UTC and refuses one without', () => {
    expect(parseSchedule('2026-12-01T10:30:00+01:00')).toBe('2026-12-01T09:30:00.000Z');
    expect(parseSchedule('2026-12-01T09:30:00Z')).toBe('2026-12-01T09:30:00.000Z');
    expect(() => parseSchedule('2026-12-01T09:30')).toThrow(/with a zone/);
    expect(() => parseSchedule('tomorrow')).toThrow(/ISO 8601/);
  });

  it('takes a limit from 1 to 100', () => {
    expect(parseLimit('100')).toBe(100);
    expect(() => parseLimit('0')).toThrow(/1 to 100/);
    expect(() => parseLimit('2.5')).toThrow(/1 to 100/);
  });
});

describe('the publish idempotency key', () => {
  const base = { fileSha256: 'a'.repeat(64), accountId: 'acc_1', caption: 'Launch' };

  it('is the same for the same file, account and caption', () => {
    expect(publishIdempotencyKey(base)).toBe(publishIdempotencyKey({ ...base }));
  });

  it('changes with any of them', () => {
    const key = publishIdempotencyKey(base);
    expect(publishIdempotencyKey({ ...base, fileSha256: 'b'.repeat(64) })).not.toBe(key);
    expect(publishIdempotencyKey({ ...base, accountId: 'acc_2' })).not.toBe(key);
    expect(publishIdempotencyKey({ ...base, caption: 'Launch!' })).not.toBe(key);
  });

  it('fits what the API takes (1 to 255 printable ASCII, no spaces)', () => {
    expect(publishIdempotencyKey(base)).toMatch(/^[\x21-\x7e]{1,255}$/);
  });
});
