import { type Command, InvalidArgumentError } from 'commander';
import { contextOf } from '../context';
import { CliError } from '../errors';
import { examples } from '../help-text';
import { csvHeader, csvRow } from '../research-csv';

interface ResearchQueryOptions {
  keyword: string[];
  region: string[];
  hashtag: string[];
  username: string[];
  since: string;
  until: string;
  maxCount: number;
  limit?: number;
  cursor?: string;
  csv: boolean;
}

interface Counter {
  used: number;
  limit: number;
  remaining: number;
}

interface ResearchPage {
  videos: Array<Record<string, unknown> & { id: string }>;
  nextCursor: string | null;
  window: { startDate: string; endDate: string; index: number; count: number };
  budget: { requests: Counter; records: Counter; resetsAt: string };
}

const collect = (value: string, previous: string[]) => [...previous, value];

function parseDay(value: string): string {
  const time = Date.parse(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(time)) {
    throw new InvalidArgumentError('expected a UTC day, YYYY-MM-DD.');
  }
  return value;
}

function parseCount(max: number) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`expected a whole number from 1 to ${max}.`);
    }
    return n;
  };
}

/** One condition per option, IN when it has several values (docs/tiktok-api.md, Research API). */
function buildQuery(options: ResearchQueryOptions) {
  const wanted: Array<[string, string[]]> = [
    ['keyword', options.keyword],
    ['region_code', options.region.map((r) => r.toUpperCase())],
    ['hashtag_name', options.hashtag.map((h) => h.replace(/^#/, ''))],
    ['username', options.username.map((u) => u.replace(/^@/, ''))],
  ];
  const and = wanted
    .filter(([, values]) => values.length > 0)
    .map(([fieldName, values]) => ({
      operation: values.length > 1 ? 'IN' : 'EQ',
      fieldName,
      fieldValues: values,
    }));
  return { and };
}

const thousands = (n: number) => n.toLocaleString('en-US');

export function registerResearchQuery(research: Command): void {
  research
    .command('query')
    .description(
      "Query public TikTok videos through the fleet's Research API, page by page (operator key).",
    )
    .option('-k, --keyword <word>', 'in the description (repeat for any of several)', collect, [])
    .option('-r, --region <code>', 'region code such as US (repeatable)', collect, [])
    .option('--hashtag <name>', 'hashtag, with or without # (repeatable)', collect, [])
    .option('--username <name>', 'creator (repeatable)', collect, [])
    .requiredOption('--since <day>', 'first UTC day, YYYY-MM-DD', parseDay)
    .option('--until <day>', 'last UTC day, YYYY-MM-DD (default: today)', parseDay)
    .option('--max-count <n>', 'videos per page (1 to 100)', parseCount(100), 100)
    .option('-n, --limit <n>', 'stop after this many videos', parseCount(1_000_000))
    .option('--cursor <cursor>', 'resume where a stopped run said')
    .option('--csv', 'write CSV on stdout (progress goes to stderr)', false)
    .addHelpText(
      'after',
      examples(
        'tiktok-fleet research query --keyword cats --region US --since 2026-09-01 --until 2026-11-30 --csv > cats.csv',
        'tiktok-fleet research query --hashtag fyp --since 2026-11-01 --limit 500 --json',
      ),
    )
    .action(async (options: ResearchQueryOptions, command: Command) => {
      const { output, api } = contextOf(command);
      const query = buildQuery(options);
      if (query.and.length === 0) {
        throw new CliError(
          'usage',
          'Say what to look for: at least one of --keyword, --region, --hashtag, --username.',
          2,
        );
      }
      const until = options.until ?? new Date().toISOString().slice(0, 10);
      // Progress goes where the data does not.
      const progress = options.csv || output.json ? process.stderr : process.stdout;
      const videos: ResearchPage['videos'] = [];
      let cursor = options.cursor;
      let pages = 0;
      let last: ResearchPage | undefined;
      if (options.csv) process.stdout.write(csvHeader());
      try {
        do {
          const wanted =
            options.limit === undefined ? options.maxCount : options.limit - videos.length;
          const { body: page } = await api().request<ResearchPage>(
            'POST',
            '/v1/research/videos/query',
            {
              json: {
                query,
                startDate: options.since,
                endDate: until,
                maxCount: Math.min(options.maxCount, wanted),
                cursor,
              },
            },
          );
          pages += 1;
          last = page;
          videos.push(...page.videos);
          if (options.csv) for (const v of page.videos) process.stdout.write(csvRow(v));
          const { window: w, budget } = page;
          progress.write(
            `page ${pages}  window ${w.index + 1}/${w.count} ${w.startDate}..${w.endDate}  +${page.videos.length} videos (${videos.length} in all)  left today: ${thousands(budget.requests.remaining)} requests, ${thousands(budget.records.remaining)} records\n`,
          );
          cursor = page.nextCursor ?? undefined;
        } while (cursor && (options.limit === undefined || videos.length < options.limit));
      } catch (error) {
        if (cursor)
          progress.write(`Stopped after ${pages} pages; resume with --cursor ${cursor}\n`);
        throw error;
      }
      const summary = `${videos.length} videos in ${pages} pages${cursor ? ` (more: resume with --cursor ${cursor})` : ''}.`;
      if (options.csv) {
        progress.write(`${summary}\n`);
        return;
      }
      output.result({ videos, pages, nextCursor: cursor ?? null, budget: last?.budget }, () =>
        [
          ...videos.map(
            (v) =>
              `${v.id}  @${String(v.username ?? '')}  ${String(v.viewCount ?? '')} views  ${String(v.videoDescription ?? '').slice(0, 60)}`,
          ),
          summary,
        ].join('\n'),
      );
    });
}
