export {
  type EnforcedBy,
  type FinalPostStatus,
  type FleetMetrics,
  fleetMetrics,
  type GaugeSample,
  type JobOutcome,
  type JobTimes,
  type LockKind,
  QUEUE_DEPTH_STATES,
  type QueueDepthState,
  type TikTokCallRecord,
  type TokenRefreshOutcome,
  tiktokEndpointLabel,
} from './fleet-metrics';
export { createLogger, type Logger, type LoggerSettings, memoryDestination } from './logger';
export { collectProcessMetrics, metricsRegistry, renderMetrics } from './metrics';
export {
  type MetricFamily,
  type MetricType,
  metricValue,
  PrometheusTextError,
  parsePrometheusText,
  type Sample,
} from './prometheus-text';
export { REDACTED, redactText, redactValue } from './redact';
export { type ResearchBudgetReading, registerResearchBudget } from './research-metrics';
export {
  activeTraceIds,
  nameRequestSpan,
  queueTelemetry,
  startTracing,
  type TracingHandle,
  tracingEndpoint,
} from './tracing';
