import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

/** SHA-256 of a file, streamed: memory stays flat for a 4 GB video. */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * The Idempotency-Key of a `publish`: the same video, account and caption give the same key,
 * so running the command again (after a dropped connection, a Ctrl-C, a retry in a script)
 * returns the first post instead of posting the video twice.
 */
export function publishIdempotencyKey(input: {
  fileSha256: string;
  accountId: string;
  caption: string;
}): string {
  const digest = createHash('sha256')
    .update(
      ['tiktok-fleet-cli/publish/v1', input.fileSha256, input.accountId, input.caption].join('\n'),
    )
    .digest('base64url');
  return `cli-${digest}`;
}
