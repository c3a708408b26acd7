// Numbers as a person reads them in an error message.

/**
 * "2.0 s", "12.0 s", "11 min 40 s". Given the limit it is compared with, it adds decimals
 * until the two differ: "2.97 s long; needs at least 3 s", never "3.0 s long; needs 3 s".
 */
export function formatDuration(seconds: number, limitSec?: number): string {
  let digits = 1;
  while (digits < 3 && roundTo(seconds, digits) === limitSec) digits++;
  const value = roundTo(seconds, digits);
  if (value < 60) return `${value.toFixed(digits)} s`;
  const minutes = Math.floor(value / 60);
  const rest = roundTo(value - minutes * 60, digits);
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

function roundTo(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** A limit in whole seconds: "3 s", "10 s", "10 min". */
export function formatLimit(seconds: number): string {
  return seconds < 60 || seconds % 60 !== 0 ? `${seconds} s` : `${seconds / 60} min`;
}

/** "4.00 GB (4,294,967,296 bytes)": the exact count too, since GB rounds. */
export function formatSize(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(2)} GB (${bytes.toLocaleString('en-US')} bytes)`;
}

/** "15 fps", "29.97 fps". */
export function formatFps(fps: number): string {
  return `${Number(fps.toFixed(2))} fps`;
}
