// OpenTelemetry tracing: an API request, the workflow start or Update it
// makes, the workflow and its activities share one trace. The Temporal SDK's
// interceptors carry the context through Temporal's headers; this module makes
// the process's tracer and hands the API and the worker what they plug in.
// Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: then nothing is registered and
// no interceptor is installed, so a request or a case pays nothing for it.
// These packages are CommonJS. Named imports of them work under plain Node ESM
// because each declares its exports in a form Node's loader detects (unlike
// @temporalio/proto); test/entrypoints.test.ts loads this module under Node.
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetryWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { Config } from '../config';

/** Where an OTLP/HTTP receiver takes traces, below the base URL the standard variable names. */
const OTLP_TRACES_PATH = '/v1/traces';

export interface Tracing {
  readonly tracer: Tracer;
  readonly spanProcessor: SpanProcessor;
  readonly resource: Resource;
  /** Flushes the spans not yet exported and unregisters the process-wide tracer. */
  shutdown(): Promise<void>;
}

/** The process's tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set; undefined (off) otherwise. */
export function tracingFromConfig(config: Config, serviceName: string): Tracing | undefined {
  const endpoint = config.telemetry.otlpEndpoint;
  if (!endpoint) return undefined;
  // Batched: exporting never waits on a request or an activity.
  const exporter = new OTLPTraceExporter({ url: `${endpoint}${OTLP_TRACES_PATH}` });
  return startTracing({ serviceName, spanProcessor: new BatchSpanProcessor(exporter) });
}

/**
 * Registers a tracer for the whole process: the Temporal interceptors read the
 * active context and the propagator from the OpenTelemetry API's globals.
 */
export function startTracing(opts: { serviceName: string; spanProcessor: SpanProcessor }): Tracing {
  const resource = new Resource({ 'service.name': opts.serviceName });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [opts.spanProcessor] });
  provider.register({
    // Keeps a request's span active across its awaits, down to the Temporal client call.
    contextManager: new AsyncLocalStorageContextManager().enable(),
    propagator: new W3CTraceContextPropagator(),
  });
  return {
    tracer: provider.getTracer('tarkhees'),
    spanProcessor: opts.spanProcessor,
    resource,
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** The Temporal client's interceptors: starts, Updates and signals carry the caller's trace. */
export function clientInterceptors(tracing: Tracing | undefined): ClientInterceptors | undefined {
  return tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] } : undefined;
}

/** What the worker installs: the workflow-side interceptors are in the workflow bundle (workflows/tracing.ts). */
export interface WorkerTracing {
  /** The sink the workflow's spans leave the sandbox through (the interceptors call it `exporter`). */
  sinks: InjectedSinks<{ exporter: OpenTelemetryWorkflowExporter }>;
  /** Each activity a span under the workflow's span that scheduled it. */
  activity: ActivityInterceptorsFactory[];
}

/**
 * With tracing off here the sink is still there, as a no-op: a prebuilt
 * bundle carries the interceptors whatever this worker does (the tests'
 * bundle does), a workflow started by an API that traces then hands it
 * spans, and a missing sink is logged as an error on every workflow task.
 */
export function workerTracing(tracing: Tracing | undefined): WorkerTracing {
  if (!tracing) return { sinks: { exporter: { export: { fn() {} } } }, activity: [] };
  const options = { tracer: tracing.tracer };
  return {
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
    activity: [
      (ctx) => ({
        inbound: new OpenTelemetryActivityInboundInterceptor(ctx, options),
        outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
    ],
  };
}
