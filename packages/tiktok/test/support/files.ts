import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterFile } from '@tiktok-fleet/testing/after-file';

/** A temp directory for this test file, removed after it. */
export async function useTempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tiktok-client-'));
  afterFile(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `size` random bytes in 1 MiB pieces and returns the path and sha256. */
export async function writeRandomFile(dir: string, name: string, size: number) {
  const path = join(dir, name);
  const hash = createHash('sha256');
  const handle = await open(path, 'w');
  try {
    for (let written = 0; written < size; ) {
      const piece = randomBytes(Math.min(1024 * 1024, size - written));
      await handle.write(piece);
      hash.update(piece);
      written += piece.length;
    }
  } finally {
    await handle.close();
  }
  return { path, size, sha256: hash.digest('hex') };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(path)) hash.update(piece as Buffer);
  return hash.digest('hex');
}
