import { describe, expect, it } from 'vitest';
import { containerOf, parseEbmlDocType } from '../src/container';
import { formatDuration } from '../src/describe';
import { parseFrameRate, videoFrameRate } from '../src/frame-rate';

describe('frame rates', () => {
  it.each([
    ['30/1', 30],
    ['30000/1001', 30000 / 1001],
    ['24000/1001', 24000 / 1001],
    ['25', 25],
    ['59.94', 59.94],
  ])('parses %s', (text, rate) => {
    expect(parseFrameRate(text)).toBeCloseTo(rate, 9);
  });

  it.each(['0/0', '30/0', '0/1', '', 'N/A', '-30/1', '30/1/2', undefined])(
    'treats %s as unknown',
    (text) => {
      expect(parseFrameRate(text)).toBeUndefined();
    },
  );

  it('prefers the average rate over the timebase-driven r_frame_rate of a phone recording', () => {
    expect(videoFrameRate({ r_frame_rate: '90000/1', avg_frame_rate: '179100/2989' })).toBe(59.92);
    expect(videoFrameRate({ r_frame_rate: '30/1', avg_frame_rate: '0/0' })).toBe(30);
  });
});

describe('containers', () => {
  it('names ISO media files by their major brand', () => {
    const iso = 'mov,mp4,m4a,3gp,3g2,mj2';
    expect(containerOf(iso, 'qt  ', undefined)).toBe('mov');
    expect(containerOf(iso, undefined, undefined)).toBe('mov');
    expect(containerOf(iso, 'isom', undefined)).toBe('mp4');
    expect(containerOf(iso, 'mp42', undefined)).toBe('mp4');
    expect(containerOf(iso, 'M4A ', undefined)).toBe('m4a');
    expect(containerOf(iso, '3gp4', undefined)).toBe('3gp');
    expect(containerOf('flv', undefined, undefined)).toBe('flv');
    expect(containerOf('gif', undefined, undefined)).toBe('gif');
    expect(containerOf('image2', undefined, undefined)).toBe('other');
  });

  it('reads the EBML DocType and ignores anything that is not EBML', () => {
    const header = (docType: string) =>
      Buffer.from([
        0x1a,
        0x45,
        0xdf,
        0xa3,
        0x9f,
        0x42,
        0x86,
        0x81,
        0x01,
        0x42,
        0x82,
        0x80 | docType.length,
        ...Buffer.from(docType),
      ]);
    expect(parseEbmlDocType(header('webm'))).toBe('webm');
    expect(parseEbmlDocType(header('matroska'))).toBe('matroska');
    expect(parseEbmlDocType(Buffer.from('not ebml at all'))).toBeUndefined();
    expect(parseEbmlDocType(header('webm').subarray(0, 12))).toBeUndefined();
  });
});

describe('durations in messages', () => {
  it.each([
    [2.021, undefined, '2.0 s'],
    [59.96, undefined, '1 min'],
    [700, undefined, '11 min 40 s'],
    [600, undefined, '10 min'],
    [2.97, 3, '2.97 s'],
    [2.021, 3, '2.0 s'],
    [600.04, 600, '10 min 0.04 s'],
    [60.2, 60, '1 min 0.2 s'],
  ])('%s s (limit %s) reads "%s"', (seconds, limit, text) => {
    expect(formatDuration(seconds, limit)).toBe(text);
  });
});
