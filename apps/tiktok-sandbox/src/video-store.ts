import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Received bytes, kept on disk (never in memory) when `storeVideos` is on, so a 1 GB upload
 * costs the sandbox no more memory than a small one.
 */
export class VideoStore {
  private dir: string | null = null;

  private async directory(): Promise<string> {
    this.dir ??= await mkdtemp(join(tmpdir(), 'tiktok-sandbox-'));
    await mkdir(this.dir, { recursive: true });
    return this.dir;
  }

  pathFor(dir: string, publishId: string): string {
    return join(dir, `${publishId.replace(/[^A-Za-z0-9._-]/g, '_')}.bin`);
  }

  async newFile(publishId: string): Promise<string> {
    const path = this.pathFor(await this.directory(), publishId);
    await rm(path, { force: true });
    return path;
  }

  /** A writer at `offset`; a retried chunk overwrites the bytes of the failed attempt. */
  writerAt(path: string, offset: number): WriteStream {
    return createWriteStream(path, { flags: offset === 0 ? 'w' : 'r+', start: offset });
  }

  async reader(path: string): Promise<{ stream: Readable; size: number } | null> {
    try {
      const { size } = await stat(path);
      return { stream: createReadStream(path), size };
    } catch {
      return null;
    }
  }

  async clear(): Promise<void> {
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}
