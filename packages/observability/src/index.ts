export { createLogger, type Logger, type LoggerSettings, memoryDestination } from './logger';
export { collectProcessMetrics, metricsRegistry } from './metrics';
export { REDACTED, redactText, redactValue } from './redact';
