/**
 * TikTok answers a video query only for `end_date` at most 30 days after `start_date`, both
 * UTC days and both included (docs/tiktok-api.md, Research API). A longer range is asked as
 * consecutive windows of 31 days, newest first, so the results keep TikTok's newest-first
 * order across windows.
 */
export const RESEARCH_WINDOW_DAYS = 30;
const DAY_MS = 86_400_000;

export interface ResearchWindow {
  /** `YYYYMMDD`, as TikTok takes it. */
  startDate: string;
  endDate: string;
}

/** `YYYYMMDD` (TikTok's form) or `YYYY-MM-DD` → epoch ms of that UTC midnight, if a real date. */
export function parseResearchDay(text: string): number | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d)
    return undefined;
  return t;
}

export function formatResearchDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
}

/** The windows that cover `start`..`end` (epoch ms of UTC midnights, both included). */
export function splitResearchRange(start: number, end: number): ResearchWindow[] {
  if (end < start) throw new RangeError('The end of a research range is before its start.');
  const windows: ResearchWindow[] = [];
  for (let to = end; to >= start; to -= (RESEARCH_WINDOW_DAYS + 1) * DAY_MS) {
    const from = Math.max(start, to - RESEARCH_WINDOW_DAYS * DAY_MS);
    windows.push({ startDate: formatResearchDay(from), endDate: formatResearchDay(to) });
  }
  return windows;
}
