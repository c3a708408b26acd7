import { SingleBar } from 'cli-progress';

export interface ProgressUpdate {
  done: number;
  /** Null while the size is not known yet (the worker has not looked at the file). */
  total: number | null;
  percent: number;
  /** The stage, shown beside the bar. */
  label: string;
  /** The same state as one line, for output that is not a terminal. */
  line: string;
}

export interface ProgressDisplay {
  update(state: ProgressUpdate): void;
  stop(): void;
}

export interface ProgressDisplayOptions {
  title: string;
  /**
   * Without a terminal, print a line only when the percentage moved this far (or the stage
   * changed, or it reached 100 %), so a log does not get a line per network packet.
   */
  lineStep?: number;
}

/** A live bar on a terminal; one line per change anywhere else (pipes, CI logs). */
export function createProgressDisplay(
  stream: NodeJS.WriteStream,
  options: ProgressDisplayOptions,
): ProgressDisplay {
  return stream.isTTY
    ? new BarDisplay(stream, options.title)
    : new LineDisplay(stream, options.lineStep ?? 1);
}

class BarDisplay implements ProgressDisplay {
  private readonly bar: SingleBar;
  private started = false;

  constructor(stream: NodeJS.WriteStream, title: string) {
    this.bar = new SingleBar({
      stream,
      format: `${title} [{bar}] {percentage} % | {label}`,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      barsize: 30,
      hideCursor: true,
      clearOnComplete: false,
    });
  }

  update(state: ProgressUpdate): void {
    // An unknown size shows as an empty bar with the stage beside it.
    const total = state.total ?? 1;
    const done = state.total === null ? 0 : state.done;
    if (!this.started) {
      this.bar.start(total, done, { label: state.label });
      this.started = true;
    } else {
      this.bar.setTotal(total);
      this.bar.update(done, { label: state.label });
    }
  }

  stop(): void {
    if (this.started) this.bar.stop();
    this.started = false;
  }
}

class LineDisplay implements ProgressDisplay {
  private lastLabel: string | undefined;
  private lastPercent = -1;
  private lastLine = '';

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly step: number,
  ) {}

  update(state: ProgressUpdate): void {
    const moved =
      state.label !== this.lastLabel ||
      Math.abs(state.percent - this.lastPercent) >= this.step ||
      (state.percent === 100 && this.lastPercent !== 100);
    if (!moved || state.line === this.lastLine) return;
    this.stream.write(`${state.line}\n`);
    this.lastLabel = state.label;
    this.lastPercent = state.percent;
    this.lastLine = state.line;
  }

  stop(): void {}
}
