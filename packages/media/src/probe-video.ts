import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Container, containerOf, readEbmlDocType } from './container';
import { VideoValidationError } from './errors';
import { videoFrameRate } from './frame-rate';
import { type FfprobeStream, runFfprobe } from './run-ffprobe';
import { assertVideoStreamWhole } from './whole-file';

export interface VideoStreamInfo {
  /** ffprobe's codec name: h264, hevc, vp8, vp9, mpeg4... */
  codec: string;
  codecLongName: string;
  /** As displayed, after rotation: a portrait phone video stored as 1920x1080 is 1080 wide. */
  width: number;
  height: number;
  /** As stored in the stream, before rotation. */
  codedWidth: number;
  codedHeight: number;
  /** How far the picture is turned for display: 0, 90, 180 or 270 degrees. */
  rotation: number;
  /** Frames per second, or undefined when ffprobe cannot tell. */
  fps: number | undefined;
  bitRate: number | undefined;
  /** ffprobe's pixel format (yuv420p, yuv420p10le, yuv444p...) and codec profile. */
  pixelFormat?: string;
  profile?: string;
}

export interface AudioStreamInfo {
  codec: string;
  bitRate: number | undefined;
}

export interface VideoProbe {
  container: Container;
  /** ffprobe's names, e.g. "mov,mp4,m4a,3gp,3g2,mj2" and "QuickTime / MOV". */
  formatName: string;
  formatLongName: string;
  /** The size on disk, which is what is uploaded. */
  sizeBytes: number;
  durationSec: number | undefined;
  /** Bits per second over the whole file. */
  bitRate: number | undefined;
  /** The first real video stream; cover art in an audio file does not count. */
  video: VideoStreamInfo | undefined;
  audio: AudioStreamInfo | undefined;
}

export interface ProbeVideoOptions {
  /**
   * Each ffprobe run is killed after this long. A run reads the file once to its end without
   * decoding (the packets are counted): a 300 MB file takes about a tenth of a second from
   * the page cache, a 4 GB file from a slow disk may take a minute.
   */
  timeoutMs?: number;
  ffprobePath?: string;
}

/** The bound the whole-file read had on its own before it joined the header read. */
export const DEFAULT_PROBE_TIMEOUT_MS = 120_000;

/**
 * Inspects a local video file with ffprobe: its header and its packets counted to the end in
 * one run, so a file cut short is found (whole-file.ts says when a second run is needed).
 * Throws VideoValidationError when the file is missing, empty, cut short or unreadable as
 * media, and VideoProbeError when ffprobe itself cannot run or times out. A readable file
 * that breaks TikTok's rules probes fine: see validateVideo.
 */
export async function probeVideo(
  path: string,
  options: ProbeVideoOptions = {},
): Promise<VideoProbe> {
  const absolutePath = resolve(path);
  const sizeBytes = await regularFileSize(absolutePath);
  if (sizeBytes === 0) {
    throw new VideoValidationError(
      'video_empty',
      'The video file is empty (0 bytes). Upload it again; the first upload probably did not finish.',
      { sizeBytes: 0 },
    );
  }

  const runOptions = {
    timeoutMs: options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
    ffprobePath: options.ffprobePath,
  };
  // Read first (64 bytes): Matroska and WebM have no index to count packets against, so
  // counting them in this run would only read the file a second time (whole-file.ts). A file
  // that cannot be opened is left to ffprobe to refuse.
  const docType = await readEbmlDocType(absolutePath).catch(() => undefined);
  const result = await runFfprobe(absolutePath, {
    ...runOptions,
    countPackets: docType === undefined,
  });
  if (!result.ok) throw unreadable(result.reason);

  const { format, streams } = result;
  const formatName = format.format_name ?? '';
  const videoStream = streams.find(
    (s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1,
  );
  const audioStream = streams.find((s) => s.codec_type === 'audio');
  const video = videoStream ? videoInfo(videoStream) : undefined;
  if (videoStream && !video) throw unreadable('the video stream has no picture size');

  const durationSec = positiveNumber(format.duration) ?? positiveNumber(videoStream?.duration);
  if (videoStream && video) {
    await assertVideoStreamWhole(
      absolutePath,
      videoStream,
      {
        sizeBytes,
        // The stream's own duration where the container gives one: audio may run longer.
        durationSec: positiveNumber(videoStream.duration) ?? durationSec,
        // Only MP4/MOV's sample table counts frames exactly; AVI's and others' header count
        // is an estimate (one frame off for an ffmpeg-made AVI), so those are checked by time.
        hasExactIndex: formatName.split(',').includes('mov'),
      },
      runOptions,
    );
  }
  return {
    container: containerOf(
      formatName,
      format.tags?.major_brand,
      formatName.startsWith('matroska') ? docType : undefined,
    ),
    formatName,
    formatLongName: format.format_long_name ?? formatName,
    sizeBytes,
    durationSec,
    bitRate:
      positiveNumber(format.bit_rate) ??
      (durationSec ? Math.round((sizeBytes * 8) / durationSec) : undefined),
    video,
    audio: audioStream
      ? {
          codec: audioStream.codec_name ?? 'unknown',
          bitRate: positiveNumber(audioStream.bit_rate),
        }
      : undefined,
  };
}

async function regularFileSize(absolutePath: string): Promise<number> {
  try {
    const info = await stat(absolutePath);
    if (!info.isFile()) {
      // A directory, or a FIFO that would block ffprobe until someone writes to it.
      throw new VideoValidationError(
        'video_not_a_file',
        `The video path points to ${info.isDirectory() ? 'a folder' : 'something other than a file'}, not a video file. Give the path of the video file itself.`,
      );
    }
    return info.size;
  } catch (error) {
    if (error instanceof VideoValidationError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new VideoValidationError(
        'video_not_found',
        'The video file was not found. Check the path, or upload the file again.',
      );
    }
    throw new VideoValidationError(
      'video_unreadable',
      'The video file could not be opened (permission denied or a storage error). Check that it can be read, then try again.',
      { reason: code ?? 'unknown' },
    );
  }
}

function videoInfo(stream: FfprobeStream): VideoStreamInfo | undefined {
  const codedWidth = stream.width ?? 0;
  const codedHeight = stream.height ?? 0;
  if (codedWidth <= 0 || codedHeight <= 0) return undefined;
  const rotation = rotationOf(stream);
  const sideways = rotation === 90 || rotation === 270;
  return {
    codec: stream.codec_name ?? 'unknown',
    codecLongName: stream.codec_long_name ?? stream.codec_name ?? 'unknown',
    width: sideways ? codedHeight : codedWidth,
    height: sideways ? codedWidth : codedHeight,
    codedWidth,
    codedHeight,
    rotation,
    fps: videoFrameRate(stream),
    bitRate: positiveNumber(stream.bit_rate),
    ...(stream.pix_fmt && { pixelFormat: stream.pix_fmt }),
    ...(stream.profile && { profile: stream.profile }),
  };
}

/**
 * Newer ffprobe reports rotation only as display-matrix side data; ffprobe 4.x (the one in
 * ffprobe-static) also sets a legacy "rotate" tag. The two count in opposite directions, which
 * does not matter here: only whether the picture is turned sideways changes its size.
 */
function rotationOf(stream: FfprobeStream): number {
  const fromMatrix = stream.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  const degrees = fromMatrix ?? Number(stream.tags?.rotate ?? 0);
  if (!Number.isFinite(degrees)) return 0;
  return (((Math.round(degrees / 90) * 90) % 360) + 360) % 360;
}

function positiveNumber(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function unreadable(reason: string): VideoValidationError {
  return new VideoValidationError(
    'video_unreadable',
    'The file could not be read as a video: it may be damaged, cut short by an interrupted upload or copy, or not a video at all. Export or upload it again.',
    { reason },
  );
}
