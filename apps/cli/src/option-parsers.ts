import { InvalidArgumentError } from 'commander';

/** `--limit`: the API pages 1 to 100 posts at a time. */
export function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw new InvalidArgumentError('expected a whole number from 1 to 100.');
  }
  return n;
}

/**
 * `--schedule`: an ISO 8601 time WITH a zone. Without one, "09:30" would silently mean the
 * operator's local time on one machine and UTC on a server.
 */
export function parseSchedule(value: string): string {
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(value.trim());
  const time = Date.parse(value);
  if (!hasZone || Number.isNaN(time)) {
    throw new InvalidArgumentError(
      'expected an ISO 8601 date and time with a zone, e.g. 2026-12-01T09:30:00Z or 2026-12-01T10:30:00+01:00.',
    );
  }
  return new Date(time).toISOString();
}

/** `--callback`: checked here only for shape; the API decides which URLs it accepts. */
export function parseUrl(value: string): string {
  try {
    new URL(value);
    return value;
  } catch {
    throw new InvalidArgumentError(
      'expected an absolute URL such as https://backend.example/hooks/tiktok.',
    );
  }
}
