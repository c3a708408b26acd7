import { realpath } from 'node:fs/promises';
import path from 'node:path';

export interface MediaPath {
  /** Normalised, relative to MEDIA_ROOT, `/`-separated: what a post stores. */
  relative: string;
  /** Where the file is on this machine. */
  absolute: string;
}

/**
 * Where a `video.path` source points, when that is inside `mediaRoot`; null when it
 * escapes (`..`, an absolute path elsewhere). Purely lexical: see `isRealPathInside` for
 * symlinks. Relative paths are taken from MEDIA_ROOT; absolute ones must already be in it.
 */
export function resolveMediaPath(mediaRoot: string, requested: string): MediaPath | null {
  if (requested.includes('\0')) return null;
  const root = path.resolve(mediaRoot);
  const absolute = path.resolve(root, requested);
  const relative = path.relative(root, absolute);
  // Empty: the root itself, which is a directory, not a video.
  if (!isInside(relative)) return null;
  return { relative: relative.split(path.sep).join('/'), absolute };
}

/**
 * False when the file exists and a symlink on the way takes it outside `mediaRoot`. A file
 * that does not exist (yet) passes: whoever opens it checks again, at the time that counts.
 */
export async function isRealPathInside(mediaRoot: string, absolute: string): Promise<boolean> {
  let root: string;
  let real: string;
  try {
    // Both at once: each is a round trip to libuv's thread pool, on every enqueue.
    [root, real] = await Promise.all([realpath(path.resolve(mediaRoot)), realpath(absolute)]);
  } catch {
    return true;
  }
  return isInside(path.relative(root, real));
}

/** `relative` (from path.relative) names something below the root, not the root or above. */
function isInside(relative: string): boolean {
  return (
    relative !== '' &&
    relative !== '..' &&
    !relative.startsWith(`..${path.sep}`) &&
    !path.isAbsolute(relative)
  );
}
