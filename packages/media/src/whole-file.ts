import { VideoValidationError } from './errors';
import { execFfprobe, type FfprobeStream } from './run-ffprobe';

export interface WholeFileOptions {
  timeoutMs: number;
  ffprobePath?: string;
}

/** What demuxing the video stream to its end found. */
export interface DemuxedStream {
  /** Packets the container's index announces (MP4/MOV), when it has one. */
  packetsExpected: number | undefined;
  packetsRead: number;
  /** Where the last packet read ends: in the file, and in the stream's time. */
  lastByte: number;
  lastEndSec: number;
}

export interface WholeFileFacts {
  sizeBytes: number;
  durationSec: number | undefined;
  /** MP4/MOV: the sample table counts the frames exactly. */
  hasExactIndex?: boolean;
}

/**
 * Throws video_unreadable when the video stream ends before the file says it should.
 *
 * An MP4 or MOV probed with `countPackets` needs nothing more: its sample table says how many
 * frames there are (`nb_frames`) and the same run read them to the end (`nb_read_packets`),
 * so a whole MP4 costs one ffprobe run. A second run, reading each packet's position and
 * time, is made only:
 *   - for an MP4 found cut short, to say at which byte and second its data stops (the refusal
 *     names them; the count alone has already decided it is refused);
 *   - for a file without an exact frame count (WebM and Matroska, AVI, a fragmented MP4
 *     whose moov lists no samples), where only the packets' times show a cut: the picture
 *     stopping before the stated duration (for WebM and Matroska the header run skips
 *     -count_packets, so their file is still read to the end only once).
 */
export async function assertVideoStreamWhole(
  absolutePath: string,
  stream: FfprobeStream,
  file: WholeFileFacts,
  options: WholeFileOptions,
): Promise<void> {
  const expected = Number(stream.nb_frames);
  const read = Number(stream.nb_read_packets);
  const counted =
    file.hasExactIndex === true &&
    Number.isFinite(expected) &&
    expected > 0 &&
    stream.nb_read_packets !== undefined &&
    Number.isFinite(read);
  if (counted && read >= expected) return;
  const demuxed = await demuxVideoStream(absolutePath, stream.index ?? 0, options);
  // The first run's count stands: the second only says where the data stops.
  assertWholeFile(
    counted ? { ...demuxed, packetsExpected: expected, packetsRead: read } : demuxed,
    file,
  );
}

/**
 * A file cut short (an interrupted upload or copy) keeps its header, so reading the header
 * alone says it is fine: a faststart MP4 cut in half still reports its full duration and
 * frame count. Reading every packet of the video stream to the end (no decoding, so it
 * costs about as much as reading the file once) finds where the data really stops.
 */
export async function demuxVideoStream(
  absolutePath: string,
  streamIndex: number,
  options: WholeFileOptions,
): Promise<DemuxedStream> {
  // biome-ignore format: option and value side by side read better
  const { stdout } = await execFfprobe(absolutePath, [
    '-v', 'quiet',
    '-select_streams', String(streamIndex),
    '-count_packets',
    '-show_entries', 'packet=pts_time,dts_time,duration_time,pos,size:stream=nb_frames,nb_read_packets',
    '-of', 'compact',
  ], options);
  let lastByte = 0;
  let lastEndSec = 0;
  let packetsRead = 0;
  let packetsExpected: number | undefined;
  for (const line of stdout.split('\n')) {
    // Compact output: `section|key=value|...`; side data may follow a section on its line.
    const value = (key: string) => Number(new RegExp(`\\|${key}=([-0-9.e]+)`).exec(line)?.[1]);
    if (line.startsWith('packet|')) {
      const end = value('pos') + value('size');
      if (Number.isFinite(end)) lastByte = Math.max(lastByte, end);
      // AVI and other containers without presentation times give the decoding time only.
      const at = Number.isFinite(value('pts_time')) ? value('pts_time') : value('dts_time');
      const endSec = at + (value('duration_time') || 0);
      if (Number.isFinite(endSec)) lastEndSec = Math.max(lastEndSec, endSec);
    } else if (line.startsWith('stream|')) {
      packetsRead = value('nb_read_packets') || 0;
      const expected = value('nb_frames');
      packetsExpected = Number.isFinite(expected) && expected > 0 ? expected : undefined;
    }
  }
  return { packetsExpected, packetsRead, lastByte, lastEndSec };
}

/**
 * Throws video_unreadable, with the byte where the data stops, when the video stream ends
 * before the file says it should: fewer packets than its index lists (MP4, MOV), or, for a
 * container without one (WebM), the picture stopping well before the stated duration.
 */
export function assertWholeFile(demuxed: DemuxedStream, file: WholeFileFacts): void {
  const { packetsRead, lastByte, lastEndSec } = demuxed;
  const packetsExpected = file.hasExactIndex === false ? undefined : demuxed.packetsExpected;
  const missingPackets = packetsExpected !== undefined && packetsRead < packetsExpected;
  const duration = file.durationSec;
  // Only without an index to count against: container durations round, and audio may run a
  // little past the picture.
  const missingTime =
    packetsExpected === undefined &&
    duration !== undefined &&
    lastEndSec < duration - (0.5 + duration * 0.02);
  if (!missingPackets && !missingTime) return;
  const frames =
    packetsExpected !== undefined
      ? `only ${packetsRead} of its ${packetsExpected} video frames are in it`
      : `only ${packetsRead} video frames are in it`;
  const time =
    duration !== undefined
      ? ` (the picture stops at ${lastEndSec.toFixed(2)} s of ${duration.toFixed(2)} s)`
      : '';
  throw new VideoValidationError(
    'video_unreadable',
    `The video file is cut short: its video data stops at byte ${lastByte.toLocaleString('en-US')} ` +
      `(the file has ${file.sizeBytes.toLocaleString('en-US')}), and ${frames}${time}. An upload or copy ` +
      'probably stopped part-way; upload the whole file again.',
    {
      reason: 'truncated',
      truncatedAtByte: lastByte,
      sizeBytes: file.sizeBytes,
      framesRead: packetsRead,
      ...(packetsExpected !== undefined && { framesExpected: packetsExpected }),
      endsAtSec: Math.round(lastEndSec * 1000) / 1000,
      ...(duration !== undefined && { durationSec: duration }),
    },
  );
}
