import { Writable } from 'node:stream';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { redactText, redactValue } from './redact';
import { activeTraceIds } from './tracing';

export type { Logger } from 'pino';

export interface LoggerSettings {
  /** The component, e.g. `api` or `worker`. */
  name: string;
  level?: string;
  /**
   * `pretty` for a person at a terminal, `json` for machines. Defaults to pretty when stdout
   * is a TTY outside production, so `kubectl logs` and log shippers always get JSON.
   */
  format?: 'json' | 'pretty';
  /** Where lines go; defaults to stdout. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

export function createLogger(settings: LoggerSettings): Logger {
  const format =
    settings.format ??
    (process.stdout.isTTY && process.env.NODE_ENV !== 'production' ? 'pretty' : 'json');
  const options: LoggerOptions = {
    name: settings.name,
    level: settings.level ?? process.env.LOG_LEVEL ?? 'info',
    // Every merged object and every message passes through the scrubber before it is written.
    formatters: { log: (object) => redactValue(object) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        // Copied only when a message string has something to mask (most have nothing).
        let scrubbed: unknown[] | undefined;
        for (let i = 0; i < args.length; i++) {
          const arg = args[i];
          if (typeof arg !== 'string') continue;
          const clean = redactText(arg);
          if (clean !== arg) {
            scrubbed ??= [...args];
            scrubbed[i] = clean;
          }
        }
        method.apply(this, (scrubbed ?? args) as Parameters<typeof method>);
      },
    },
    serializers: { err: (e: unknown) => redactValue(e), error: (e: unknown) => redactValue(e) },
    // trace_id and span_id of the active span on every line, while tracing is on.
    mixin: activeTraceIds,
  };
  if (settings.destination) return pino(options, settings.destination);
  if (format === 'pretty') {
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'HH:MM:ss.l' },
      },
    });
  }
  return pino(options);
}

/** A destination that keeps every line in memory, for reading logs back in tests. */
export function memoryDestination(): DestinationStream & { lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return Object.assign(stream, {
    lines: () => chunks.join('').split('\n').filter(Boolean),
  }) as unknown as DestinationStream & { lines: () => string[] };
}
