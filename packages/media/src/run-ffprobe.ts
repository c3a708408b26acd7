import ffprobeStatic from 'ffprobe-static';
import { VideoProbeError } from './errors';
import { execFileInHelper } from './spawn-helper';

export interface FfprobeStream {
  index?: number;
  codec_name?: string;
  codec_long_name?: string;
  codec_type?: string;
  profile?: string;
  pix_fmt?: string;
  bits_per_raw_sample?: string;
  width?: number;
  height?: number;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  duration?: string;
  bit_rate?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
  /** The container's frame count: for MP4/MOV, its sample table's. */
  nb_frames?: string;
  /** Packets read to the end of the file; only with `countPackets`. */
  nb_read_packets?: string;
}

export interface FfprobeFormat {
  format_name?: string;
  format_long_name?: string;
  duration?: string;
  bit_rate?: string;
  tags?: Record<string, string>;
}

export type FfprobeResult =
  | { ok: true; streams: FfprobeStream[]; format: FfprobeFormat }
  /** ffprobe ran and refused the file; `reason` is its one-line verdict, without the path. */
  | { ok: false; reason: string };

export interface RunFfprobeOptions {
  timeoutMs: number;
  /**
   * Defaults to FFPROBE_PATH (the images set Debian's /usr/bin/ffprobe), else the binary inside
   * ffprobe-static, the same build on every development machine.
   */
  ffprobePath?: string;
}

export interface ProbeRunOptions extends RunFfprobeOptions {
  /**
   * Also read every packet to the end (`-count_packets`, no decoding) and give each
   * stream's `nb_read_packets`: what proves an MP4 whole, in the same run as its header.
   */
  countPackets?: boolean;
}

/**
 * ffprobe-static has no linux/arm64 binary, so the images carry Debian's ffprobe and name it
 * in FFPROBE_PATH (docker/README.md, Multi-arch).
 */
function defaultFfprobePath(): string {
  return process.env.FFPROBE_PATH || ffprobeStatic.path;
}

// Stream and format tables of even an odd file are a few kB; this only bounds a runaway.
const MAX_OUTPUT_BYTES = 8 * 1024 * 1024;

/**
 * Runs ffprobe on one local file and returns its JSON.
 *
 * ffprobe is spawned here rather than through fluent-ffmpeg's `ffprobe()`: that one keeps the
 * child process to itself, so it cannot be killed when it hangs (a stalled network volume, a
 * pathological file), and it parses ffprobe's flat text output, where nested side data such
 * as a phone video's rotation is flattened into the stream. JSON output and a hard timeout
 * need neither.
 */
export function runFfprobe(absolutePath: string, options: ProbeRunOptions): Promise<FfprobeResult> {
  return execFfprobe(absolutePath, ffprobeArgs(options), options).then(({ stdout, failed }) => {
    const parsed = parseOutput(stdout);
    if (!parsed) return { ok: false, reason: 'ffprobe gave no readable answer' };
    if (failed || parsed.error) {
      return { ok: false, reason: parsed.error?.string ?? 'ffprobe failed' };
    }
    return { ok: true, streams: parsed.streams ?? [], format: parsed.format ?? {} };
  });
}

/** The arguments of {@link runFfprobe}, without the file (the bench runs the bare CLI with them). */
export function ffprobeArgs(options: { countPackets?: boolean } = {}): string[] {
  return [
    '-v',
    'quiet',
    '-print_format',
    'json',
    '-show_error',
    '-show_format',
    '-show_streams',
    ...(options.countPackets ? ['-count_packets'] : []),
  ];
}

/**
 * Runs ffprobe with `args` on one local file. Resolves with its output (and whether it
 * exited with an error: its verdict on the file); rejects with VideoProbeError when it
 * cannot run or takes longer than `timeoutMs`.
 */
export function execFfprobe(
  absolutePath: string,
  args: readonly string[],
  options: RunFfprobeOptions,
): Promise<{ stdout: string; failed: boolean }> {
  const fullArgs = withFile(absolutePath, args);
  return new Promise((resolve, reject) => {
    // From the spawn helper, so that spawning never blocks this process (spawn-helper.ts).
    execFileInHelper(
      options.ffprobePath ?? defaultFfprobePath(),
      fullArgs,
      {
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL', // a hung read ignores SIGTERM as readily as it ignores input
        maxBuffer: MAX_OUTPUT_BYTES,
        windowsHide: true,
      },
      (error, stdout) => {
        if (error?.killed) {
          reject(
            new VideoProbeError(
              'video_probe_timeout',
              `Reading the video's details took longer than ${formatTimeout(options.timeoutMs)} and was stopped. Try again; if it keeps happening, the file or the storage it is on may be damaged.`,
              { timeoutMs: options.timeoutMs },
            ),
          );
          return;
        }
        if (error && typeof error.code === 'string') {
          // ENOENT/EACCES for the binary itself, or the output cap: our problem, not the video's.
          reject(
            new VideoProbeError(
              'video_probe_failed',
              'The video could not be checked because the video inspection tool (ffprobe) could not run. This is a problem on our side; try again later.',
              { cause: error.code },
            ),
          );
          return;
        }
        resolve({ stdout, failed: error !== null });
      },
    );
  });
}

/** `args` with the guards every run carries, and the file. */
export function withFile(absolutePath: string, args: readonly string[]): string[] {
  // biome-ignore format: option and value side by side read better
  return [
    ...args,
    // A "video" may be a playlist (HLS, concat) naming other URLs: ffprobe would fetch them.
    // Local files only, so probing can never be turned into a request to another host.
    '-protocol_whitelist', 'file',
    // The file: prefix stops a name such as "-x" or "concat:a|b" being read as an option or
    // another protocol.
    `file:${absolutePath}`,
  ];
}

interface FfprobeJson {
  streams?: FfprobeStream[];
  format?: FfprobeFormat;
  error?: { code?: number; string?: string };
}

function parseOutput(stdout: string): FfprobeJson | undefined {
  try {
    const value: unknown = JSON.parse(stdout);
    // ffprobe's own JSON writer: trusting its shape beyond "an object" is fine, and every field
    // is read as optional.
    return value !== null && typeof value === 'object' ? (value as FfprobeJson) : undefined;
  } catch {
    return undefined;
  }
}

function formatTimeout(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}
