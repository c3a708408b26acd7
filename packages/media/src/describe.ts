// Numbers as a person reads them in an error message.

/** "2.0 s", "12.0 s", "9 min 59.5 s", "10 min 0.4 s": never rounds across a limit. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const tenths = Math.round(seconds * 10);
  const minutes = Math.floor(tenths / 600);
  const rest = (tenths % 600) / 10;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
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
