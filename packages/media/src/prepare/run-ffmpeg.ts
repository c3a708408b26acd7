import ffprobeStatic from 'ffprobe-static';
import ffmpeg from 'fluent-ffmpeg';
import { FfmpegUnavailableError, VideoPrepareError } from './prepare-error';

export interface RunFfmpegOptions {
  input: string;
  output: string;
  inputOptions: string[];
  outputOptions: string[];
  /** The source's length: ffmpeg's time progress is turned into a percentage of it. */
  durationSec: number | undefined;
  timeoutMs: number;
  maxOutputBytes: number;
  ffmpegPath?: string;
  /** 0-99 while ffmpeg runs (100 is the caller's, once the file is in place). */
  onProgress?: (percent: number) => void;
  signal?: AbortSignal;
}

/**
 * Runs one ffmpeg command through fluent-ffmpeg (the command and its progress events) and
 * resolves when it ended well. ffmpeg is killed (SIGKILL) past `timeoutMs`, when its output
 * passes `maxOutputBytes`, or when `signal` aborts; a failure carries ffmpeg's last error line.
 */
export function runFfmpeg(options: RunFfmpegOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopped: Error | undefined;
    const command = ffmpeg()
      .setFfmpegPath(options.ffmpegPath ?? 'ffmpeg')
      // Only for fluent-ffmpeg's own reading of the input's length; the same binary as the probe.
      .setFfprobePath(ffprobeStatic.path)
      // The file: prefix stops a name such as "-x" or "concat:a|b" being read as something else.
      .input(`file:${options.input}`)
      .inputOptions(options.inputOptions)
      .output(`file:${options.output}`)
      .outputOptions(options.outputOptions);

    const stop = (error: Error) => {
      if (stopped) return;
      stopped = error;
      command.kill('SIGKILL');
    };
    const timer = setTimeout(
      () =>
        stop(
          new VideoPrepareError(
            'timeout',
            `Converting the video took longer than ${Math.round(options.timeoutMs / 1000)} s ` +
              '(PREPARE_TIMEOUT_MS) and was stopped. Export it as MP4 (H.264, AAC) yourself, or ' +
              'ask the operator for a longer limit.',
            { timeoutMs: options.timeoutMs },
          ),
        ),
      options.timeoutMs,
    );
    const onAbort = () => stop(options.signal?.reason ?? new Error('aborted'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const done = (error?: Error) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };

    command.on('progress', (progress: { timemark?: string; targetSize?: number }) => {
      if ((progress.targetSize ?? 0) * 1024 > options.maxOutputBytes) {
        stop(tooLarge(options.maxOutputBytes));
        return;
      }
      const at = seconds(progress.timemark);
      if (at !== undefined && options.durationSec) {
        options.onProgress?.(
          Math.max(0, Math.min(99, Math.floor((at / options.durationSec) * 100))),
        );
      }
    });
    command.on('error', (error: Error, _stdout: string | null, stderr: string | null) => {
      if (stopped) return done(stopped);
      if (/ENOENT|EACCES|Cannot find ffmpeg/i.test(error.message)) {
        return done(
          new FfmpegUnavailableError(
            `ffmpeg could not be started (${error.message}). Install Debian's ffmpeg or set FFMPEG_PATH.`,
          ),
        );
      }
      const line = lastErrorLine(stderr ?? '') ?? error.message;
      done(
        new VideoPrepareError(
          'ffmpeg_error',
          `ffmpeg could not convert the video: ${line}. The file may be damaged or in a form ` +
            'ffmpeg cannot read; export it again as MP4 (H.264, AAC).',
          { ffmpeg: line },
        ),
      );
    });
    command.on('end', () => done(stopped));
    if (options.signal?.aborted) {
      done(options.signal.reason ?? new Error('aborted'));
      return;
    }
    command.run();
  });
}

export function tooLarge(maxOutputBytes: number): VideoPrepareError {
  return new VideoPrepareError(
    'too_large',
    `The converted video grew past ${maxOutputBytes} bytes (PREPARE_MAX_OUTPUT_BYTES) and was ` +
      'stopped. Export a shorter or lower-bitrate MP4 yourself.',
    { maxOutputBytes },
  );
}

/** "00:01:02.50" → 62.5. */
function seconds(timemark: string | undefined): number | undefined {
  const match = /^(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(timemark ?? '');
  if (!match) return undefined;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

/** ffmpeg's verdict: the last line of its log that is not a progress line or a sign-off. */
export function lastErrorLine(stderr: string): string | undefined {
  const lines = stderr
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l && !/^(frame|size)=/.test(l) && !/^Conversion failed!?$/.test(l));
  // The path is the caller's own; keep it out of a message that goes back to them anyway.
  return lines.at(-1)?.replace(/file:\S+/g, 'the file');
}
