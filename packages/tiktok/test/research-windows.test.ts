import { describe, expect, it } from 'vitest';
import { parseResearchDay, splitResearchRange } from '../src/research/date-windows';

const day = (text: string) => parseResearchDay(text) as number;

describe('splitResearchRange', () => {
  it('keeps a range of up to 31 days whole (end at most 30 days after start)', () => {
    expect(splitResearchRange(day('2026-11-01'), day('2026-12-01'))).toEqual([
      { startDate: '20261101', endDate: '20261201' },
    ]);
    expect(splitResearchRange(day('20261105'), day('20261105'))).toEqual([
      { startDate: '20261105', endDate: '20261105' },
    ]);
  });

  it('cuts a longer range into windows of 31 days, newest first, with no day twice or missed', () => {
    const windows = splitResearchRange(day('2026-01-01'), day('2026-12-31'));
    expect(windows[0]).toEqual({ startDate: '20261201', endDate: '20261231' });
    expect(windows.at(-1)?.startDate).toBe('20260101');
    let expectedEnd = day('2026-12-31');
    for (const w of windows) {
      const [start, end] = [day(w.startDate), day(w.endDate)];
      expect(end).toBe(expectedEnd);
      expect((end - start) / 86_400_000).toBeLessThanOrEqual(30);
      expectedEnd = start - 86_400_000;
    }
    expect(expectedEnd).toBe(day('2025-12-31'));
    expect(windows).toHaveLength(12);
  });

  it('reads only real days', () => {
    expect(parseResearchDay('2026-02-29')).toBeUndefined();
    expect(parseResearchDay('20260230')).toBeUndefined();
    expect(parseResearchDay('2026-2-1')).toBeUndefined();
  });
});
