/**
 * Parses ffprobe's frame rates: fractions such as "30/1" and "30000/1001", or "0/0" when it
 * does not know. Returns undefined for anything that is not a positive, finite rate.
 */
export function parseFrameRate(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(\d+(?:\.\d+)?))?\s*$/.exec(value);
  if (!match) return undefined;
  const numerator = Number(match[1]);
  const denominator = match[2] === undefined ? 1 : Number(match[2]);
  if (denominator === 0) return undefined;
  const rate = numerator / denominator;
  return Number.isFinite(rate) && rate > 0 ? rate : undefined;
}

/**
 * The rate a viewer sees. avg_frame_rate (frames / duration) comes first: for a phone's
 * variable-frame-rate recording r_frame_rate is the timebase's finest step (often 90000/1 or
 * 120/1), not the rate. r_frame_rate is the fallback for containers that give no average.
 */
export function videoFrameRate(stream: {
  avg_frame_rate?: string;
  r_frame_rate?: string;
}): number | undefined {
  const rate = parseFrameRate(stream.avg_frame_rate) ?? parseFrameRate(stream.r_frame_rate);
  return rate === undefined ? undefined : Math.round(rate * 1000) / 1000;
}
