/** The columns of `research query --csv`, in order; a video lacking one leaves it empty. */
export const RESEARCH_CSV_COLUMNS = [
  'id',
  'create_time',
  'username',
  'region_code',
  'video_description',
  'view_count',
  'like_count',
  'comment_count',
  'share_count',
  'hashtag_names',
] as const;

const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** RFC 4180: a field with a comma, a quote or a line break is quoted, quotes doubled. */
function field(value: unknown): string {
  let text: string;
  if (value === undefined || value === null) text = '';
  else if (Array.isArray(value)) text = value.join(' ');
  else text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvHeader(): string {
  return `${RESEARCH_CSV_COLUMNS.join(',')}\r\n`;
}

export function csvRow(video: Record<string, unknown>): string {
  const cells = RESEARCH_CSV_COLUMNS.map((column) => {
    const value = video[camel(column)];
    // TikTok gives epoch seconds; a spreadsheet reads ISO times.
    if (column === 'create_time' && typeof value === 'number') {
      return new Date(value * 1000).toISOString();
    }
    return field(value);
  });
  return `${cells.join(',')}\r\n`;
}
