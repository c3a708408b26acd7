import { createRequire, syncBuiltinESMExports } from 'node:module';
import { context, propagation, trace } from '@opentelemetry/api';
import type { TracerProvider } from '@opentelemetry/sdk-trace';
import type { BullMQOtel } from 'bullmq-otel';

/**
 * Traces over OTLP/HTTP (JSON), on when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set and off otherwise. Off means nothing is
 * loaded (the SDK is imported only when on): no tracer provider, no HTTP patching, no BullMQ
 * telemetry; the API's calls below are OpenTelemetry's no-ops.
 *
 * What a post's trace holds: the API's HTTP server span of POST /v1/posts, BullMQ's producer
 * and consumer spans of each job (bullmq-otel carries the context in the job's options, so
 * the publish, status and notify jobs join the request's trace), and an HTTP client span of
 * each call to TikTok, each chunk PUT and the callback (axios and fetch use node:http).
 */

const TRACER_NAME = 'tiktok-fleet';
let telemetry: BullMQOtel | undefined;
let provider: TracerProvider | undefined;

/** Paths polled every few seconds (probes, scrapes): never a trace of their own. */
const UNTRACED_PATHS = /^\/(metrics|healthz|readyz|internal\/)/;

export interface TracingHandle {
  enabled: boolean;
  /** Sends what is buffered and stops; call on shutdown. */
  shutdown: () => Promise<void>;
}

export function tracingEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
}

/**
 * Starts tracing for this process when an OTLP endpoint is configured: call first thing in
 * an app's main, before it opens connections. `service` names the app (`OTEL_SERVICE_NAME`
 * wins). Once per process; a later call returns a handle on the first.
 */
export async function startTracing(
  service: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TracingHandle> {
  if (provider) return { enabled: true, shutdown: () => (provider as TracerProvider).shutdown() };
  if (!tracingEndpoint(env)) return { enabled: false, shutdown: async () => undefined };
  const [
    { AsyncLocalStorageContextManager },
    { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator },
    { OTLPTraceExporter },
    { registerInstrumentations },
    { HttpInstrumentation },
    { resourceFromAttributes },
    { BatchSpanProcessor, TracerProvider },
    { BullMQOtel },
  ] = await Promise.all([
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/instrumentation'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace'),
    import('bullmq-otel'),
  ]);
  const tracerProvider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || service }),
    // The exporter reads the OTEL_EXPORTER_OTLP_* variables itself (endpoint, headers).
    spanProcessors: [
      new BatchSpanProcessor({ exporter: new OTLPTraceExporter(), scheduledDelayMillis: 500 }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  );
  trace.setGlobalTracerProvider(tracerProvider);
  registerInstrumentations({
    tracerProvider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? ''),
        // The exporter's own POSTs must not become spans that get exported in turn.
        ignoreOutgoingRequestHook: (options) =>
          typeof options.path === 'string' && options.path.endsWith('/v1/traces'),
      }),
    ],
  });
  // ES modules import node:http without passing require's hook: ask for it once through
  // require so the instrumentation patches the module object every importer shares.
  const require = createRequire(import.meta.url);
  require('node:http');
  require('node:https');
  // And named imports (`import { request } from 'node:http'`) see the patched functions too.
  syncBuiltinESMExports();
  provider = tracerProvider;
  telemetry = new BullMQOtel({ tracerName: TRACER_NAME });
  return { enabled: true, shutdown: () => tracerProvider.shutdown() };
}

/** BullMQ's `telemetry` option for Queues and Workers: set only while tracing is on. */
export function queueTelemetry(): BullMQOtel | undefined {
  return telemetry;
}

/** The ids of the active span, for log lines (pino's mixin); empty when none is active. */
export function activeTraceIds(): { trace_id?: string; span_id?: string } {
  if (!provider) return {};
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/**
 * Names the HTTP server span of the request being handled after its route
 * (`POST /v1/posts`, not just `POST`), as the HTTP instrumentation cannot know routes.
 */
export function nameRequestSpan(method: string, route: string | undefined): void {
  if (!provider || !route) return;
  const span = trace.getSpan(context.active());
  span?.updateName(`${method} ${route}`);
  span?.setAttribute('http.route', route);
}
