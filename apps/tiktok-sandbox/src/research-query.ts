import { videoCounts, videoDuration } from './engagement';
import { invalidParams } from './errors';

// Deliberate copy of RESEARCH_OPERATIONS and RESEARCH_CONDITION_FIELDS in packages/tiktok/src/research/query-videos.ts: the sandbox must not import the client.
const operations = ['EQ', 'IN', 'GT', 'GTE', 'LT', 'LTE'];
const fieldNames = [
  'create_date',
  'username',
  'region_code',
  'video_id',
  'hashtag_name',
  'keyword',
  'music_id',
  'effect_id',
  'video_length',
  'view_count',
  'comment_count',
];

interface Condition {
  operation: string;
  field_name: string;
  field_values: string[];
}

export interface ResearchQuery {
  and: Condition[];
  or: Condition[];
  not: Condition[];
}

/** One public video as the Research API sees it: a sandbox post, or one seeded for research. */
export interface Candidate {
  id: bigint;
  username: string;
  regionCode: string;
  description: string;
  /** When it was posted (epoch ms, the sandbox clock). */
  postedAt: number;
  /** The sandbox clock when the query runs; the counts grow with it. */
  now: number;
}

function conditions(value: unknown, name: string): Condition[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidParams(`query.${name} must be a list of conditions.`);
  return value.map((c) => {
    const cond = (c ?? {}) as Record<string, unknown>;
    if (!operations.includes(cond.operation as string)) {
      throw invalidParams(`operation must be one of ${operations.join(', ')}.`);
    }
    if (!fieldNames.includes(cond.field_name as string)) {
      throw invalidParams(`field_name must be one of ${fieldNames.join(', ')}.`);
    }
    const values = cond.field_values;
    if (
      !Array.isArray(values) ||
      values.length === 0 ||
      values.some((v) => typeof v !== 'string')
    ) {
      throw invalidParams('field_values must be a non-empty list of strings.');
    }
    return cond as unknown as Condition;
  });
}

/** `{and?, or?, not?}`, at least one list non-empty (docs/tiktok-api.md, Research API). */
export function parseQuery(value: unknown): ResearchQuery {
  if (typeof value !== 'object' || value === null) throw invalidParams('query is required.');
  const q = value as Record<string, unknown>;
  const query = {
    and: conditions(q.and, 'and'),
    or: conditions(q.or, 'or'),
    not: conditions(q.not, 'not'),
  };
  if (query.and.length + query.or.length + query.not.length === 0) {
    throw invalidParams('query needs at least one condition in and, or or not.');
  }
  return query;
}

function lengthBucket(seconds: number): string {
  if (seconds < 15) return 'SHORT';
  if (seconds <= 60) return 'MID';
  if (seconds <= 300) return 'LONG';
  return 'EXTRA_LONG';
}

function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');
}

export function hashtags(title: string | null): string[] {
  return [...(title ?? '').matchAll(/#([\p{L}\p{N}_]+)/gu)].map((m) => (m[1] ?? '').toLowerCase());
}

/** The value(s) of one field of a candidate, as strings or numbers to compare. */
function valuesOf(c: Candidate, field: string): Array<string | number> {
  const id = String(c.id);
  const postedAt = c.postedAt;
  switch (field) {
    case 'create_date':
      return [Number(utcDate(postedAt))];
    case 'username':
      return [c.username];
    case 'region_code':
      return [c.regionCode];
    case 'video_id':
      return [id];
    case 'hashtag_name':
      return hashtags(c.description);
    case 'video_length':
      return [lengthBucket(videoDuration(id))];
    case 'view_count':
      return [videoCounts(id, postedAt, c.now).view_count];
    case 'comment_count':
      return [videoCounts(id, postedAt, c.now).comment_count];
    default:
      // music_id, effect_id: sandbox videos have neither.
      return [];
  }
}

function holds(c: Candidate, cond: Condition): boolean {
  if (cond.field_name === 'keyword') {
    const text = c.description.toLowerCase();
    return cond.field_values.some((v) => text.includes(v.toLowerCase()));
  }
  const have = valuesOf(c, cond.field_name);
  const numeric = typeof have[0] === 'number';
  const wanted = cond.field_values.map((v) => (numeric ? Number(v) : v.toLowerCase()));
  const norm = have.map((v) => (typeof v === 'string' ? v.toLowerCase() : v));
  const first = wanted[0] as string | number;
  switch (cond.operation) {
    case 'EQ':
    case 'IN':
      return norm.some((v) => wanted.includes(v));
    case 'GT':
      return norm.some((v) => v > first);
    case 'GTE':
      return norm.some((v) => v >= first);
    case 'LT':
      return norm.some((v) => v < first);
    default:
      return norm.some((v) => v <= first);
  }
}

export function matches(c: Candidate, query: ResearchQuery): boolean {
  return (
    query.and.every((cond) => holds(c, cond)) &&
    (query.or.length === 0 || query.or.some((cond) => holds(c, cond))) &&
    !query.not.some((cond) => holds(c, cond))
  );
}
