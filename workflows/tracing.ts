// Workflow-side OpenTelemetry interceptors, bundled with the workflows (worker.ts
// and the tests' bundle list this module). A workflow is traced only when its
// start carried a trace context, that is when the API that started it traces:
// with tracing off nothing here makes a span or calls the exporter sink. The
// choice is read from the start's headers, which a replay sees exactly as the
// first run did, so it cannot send a replay down another path. Inside a traced
// workflow the SDK's interceptors keep their own replay safety (SDK flags).
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type { WorkflowInboundCallsInterceptor, WorkflowInterceptors, WorkflowInternalsInterceptor, WorkflowOutboundCallsInterceptor } from '@temporalio/workflow';

type Intercept = (this: unknown, input: unknown, next: (input: unknown) => unknown) => unknown;

/** Every method the SDK's interceptor class implements, so an SDK upgrade's new ones are covered too. */
function methodsOf(cls: { prototype: object }): string[] {
  return Object.getOwnPropertyNames(cls.prototype).filter((name) => name !== 'constructor');
}

/** Calls the tracing interceptor's method once the workflow is traced; until then goes straight on. */
function gate<T extends object>(cls: { prototype: object }, traced: () => object | undefined): T {
  const methods = methodsOf(cls).map((name) => [
    name,
    (input: unknown, next: (input: unknown) => unknown) => {
      const target = traced();
      const method = (target as Record<string, Intercept> | undefined)?.[name];
      return method ? method.call(target, input, next) : next(input);
    },
  ]);
  return Object.fromEntries(methods) as T;
}

export const interceptors = (): WorkflowInterceptors => {
  // Per workflow: the factory runs once for each workflow the worker loads.
  let traced: { inbound: OpenTelemetryInboundInterceptor; outbound: OpenTelemetryOutboundInterceptor; internals: OpenTelemetryInternalsInterceptor } | undefined;
  const inbound = gate<WorkflowInboundCallsInterceptor>(OpenTelemetryInboundInterceptor, () => traced?.inbound);
  inbound.execute = (input, next) => {
    if (input.headers[TRACE_HEADER] !== undefined) {
      traced = { inbound: new OpenTelemetryInboundInterceptor(), outbound: new OpenTelemetryOutboundInterceptor(), internals: new OpenTelemetryInternalsInterceptor() };
    }
    return traced ? traced.inbound.execute(input, next) : next(input);
  };
  return {
    inbound: [inbound],
    outbound: [gate<WorkflowOutboundCallsInterceptor>(OpenTelemetryOutboundInterceptor, () => traced?.outbound)],
    internals: [gate<WorkflowInternalsInterceptor>(OpenTelemetryInternalsInterceptor, () => traced?.internals)],
  };
};
