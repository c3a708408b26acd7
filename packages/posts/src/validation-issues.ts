import type { z } from 'zod';

/** One problem with a request, for a person: which field and what is wrong with it. */
export interface ValidationDetail {
  /** Dotted path, e.g. `video.url`; `(request)` for the request as a whole. */
  field: string;
  problem: string;
}

export interface ValidationErrorBody {
  code: 'invalid_request';
  message: string;
  details: ValidationDetail[];
}

function fieldName(path: PropertyKey[]): string {
  if (path.length === 0) return '(request)';
  return path
    .map((part, i) =>
      typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

function details(issue: z.core.$ZodIssue): ValidationDetail[] {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') {
    // One line per key: each is a separate thing to fix.
    return issue.keys.map((key) => ({
      field: fieldName([...path, key]),
      problem: 'is not a known field',
    }));
  }
  return [{ field: fieldName(path), problem: issue.message }];
}

/**
 * Turns a zod error into the API's error body. Schemas written for people (the post request)
 * carry their own sentences; other schemas fall back on zod's wording.
 */
export function formatValidationIssues(error: z.ZodError): ValidationErrorBody {
  const list = error.issues.flatMap(details);
  const first = list[0];
  const summary = first ? `${first.field} ${first.problem}` : 'it does not match the schema';
  const more =
    list.length > 1 ? ` (and ${list.length - 1} more problem${list.length > 2 ? 's' : ''})` : '';
  return {
    code: 'invalid_request',
    message: `The request is not valid: ${summary}${more}.`,
    details: list,
  };
}
