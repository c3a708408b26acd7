import http from 'node:http';
import { trace } from '@opentelemetry/api';
import { expect, it } from 'vitest';
import {
  activeTraceIds,
  createLogger,
  memoryDestination,
  queueTelemetry,
  startTracing,
  tracingEndpoint,
} from '../src/index';

// Tracing on is proven end to end in docker/test/observability/traces.test.ts (real processes
// exporting to an OTLP receiver). Here: off costs nothing and changes nothing.
it('stays off without OTEL_EXPORTER_OTLP_ENDPOINT: no BullMQ telemetry, no patched http, no ids in logs', async () => {
  expect(tracingEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toBeUndefined();
  expect(tracingEndpoint({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toBe(
    'http://c:4318/v1/traces',
  );
  const handle = await startTracing('test', {});
  expect(handle.enabled).toBe(false);
  expect(queueTelemetry()).toBeUndefined();
  expect((http.request as { __wrapped?: unknown }).__wrapped).toBeUndefined();

  const destination = memoryDestination();
  const logger = createLogger({ name: 'test', format: 'json', destination });
  trace.getTracer('test').startActiveSpan('step', (span) => {
    expect(activeTraceIds()).toEqual({});
    logger.info({ postId: 'post_1' }, 'inside a span while tracing is off');
    span.end();
  });
  const line = JSON.parse(destination.lines()[0] ?? '{}');
  expect(line.msg).toBe('inside a span while tracing is off');
  expect(line.trace_id).toBeUndefined();
});
