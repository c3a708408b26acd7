const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 3145728 → "3.0 MiB": binary units, because file sizes on disk are counted that way. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** Whole percent, floored, so 100 % is shown only when every byte is there. */
export function percentOf(done: number, total: number | null | undefined): number {
  if (total === null || total === undefined || total < 0) return 0;
  if (total === 0) return 100;
  return Math.min(100, Math.floor((done / total) * 100));
}
