import { chunkRange } from './chunk-rules';
import { ApiError } from './errors';
import type { Publish, SandboxState } from './state';

const videoTypes = ['video/mp4', 'video/quicktime', 'video/webm'];

/** `Content-Range` of what has been received: last byte index, as HTTP ranges are inclusive. */
export function receivedRange(publish: Publish): string {
  const total = publish.videoSize ?? 0;
  return publish.bytesReceived > 0
    ? `bytes 0-${publish.bytesReceived - 1}/${total}`
    : `bytes */${total}`;
}

/** A refused chunk; `rule` names the TikTok rule the client broke, for the stats. */
export class UploadRefusal extends ApiError {
  constructor(
    status: number,
    code: string,
    message: string,
    readonly rule: string | null = null,
  ) {
    super(code, status, message);
  }
}

function parseRange(header: string | undefined) {
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header?.trim() ?? '');
  if (!match) {
    throw new UploadRefusal(
      400,
      'invalid_params',
      'Content-Range must be "bytes FIRST-LAST/TOTAL".',
    );
  }
  const [first, last, total] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (last < first) throw new UploadRefusal(400, 'invalid_params', 'Content-Range is empty.');
  return { first, last, total };
}

/** Every check that can be made from the headers, before a byte of the body is read. */
export function checkHeaders(
  state: SandboxState,
  publish: Publish,
  headers: Record<string, unknown>,
) {
  const upload = publish.upload;
  if (
    !upload ||
    publish.status !== 'PROCESSING_UPLOAD' ||
    upload.nextChunk >= (publish.totalChunkCount ?? 0)
  ) {
    throw new UploadRefusal(404, 'invalid_params', 'There is no upload task open for this URL.');
  }
  if (upload.expiresAt <= state.clock.now()) {
    throw new UploadRefusal(
      403,
      'invalid_params',
      'The upload_url has expired (valid 1 hour).',
      'upload_url_expired',
    );
  }
  const type =
    String(headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim()
      .toLowerCase() ?? '';
  if (!videoTypes.includes(type)) {
    throw new UploadRefusal(
      400,
      'invalid_file_upload',
      'Content-Type must be video/mp4, video/quicktime or video/webm.',
      'bad_content_type',
    );
  }
  const range = parseRange(headers['content-range'] as string | undefined);
  const plan = {
    videoSize: publish.videoSize ?? 0,
    chunkSize: publish.chunkSize ?? 0,
    totalChunkCount: publish.totalChunkCount ?? 0,
  };
  if (range.total !== plan.videoSize) {
    throw new UploadRefusal(
      400,
      'invalid_params',
      `Content-Range total must be video_size (${plan.videoSize}).`,
      'content_range_total',
    );
  }
  // Chunks must arrive in order, each starting where the last one ended (docs/tiktok-api.md,
  // Chunked upload, rule 5).
  if (range.first !== publish.bytesReceived || upload.busy) {
    const why = upload.busy
      ? 'another chunk of this upload is still being received'
      : `expected the chunk starting at byte ${publish.bytesReceived}, got ${range.first}`;
    throw new UploadRefusal(
      416,
      'invalid_params',
      `Content-Range does not match the upload progress: ${why}.`,
      'chunk_out_of_order',
    );
  }
  const expected = chunkRange(plan, upload.nextChunk);
  if (range.last !== expected.last) {
    throw new UploadRefusal(
      400,
      'invalid_params',
      `Chunk ${upload.nextChunk + 1} must cover bytes ${expected.first}-${expected.last} per the chunk_size given at init.`,
      'chunk_size_mismatch',
    );
  }
  const length = Number(headers['content-length']);
  if (!Number.isSafeInteger(length) || length !== range.last - range.first + 1) {
    throw new UploadRefusal(
      400,
      'invalid_params',
      'Content-Length must equal the size of the Content-Range.',
      'content_length_mismatch',
    );
  }
  return { range, length };
}
