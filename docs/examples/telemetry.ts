/**
 * OpenTelemetry (docs/events.md "OpenTelemetry"): the app's SDK registers the global providers; the
 * module finds them through @opentelemetry/api. Here with the SDK's base packages and an exporter of
 * your choice; `@opentelemetry/sdk-node` does the same in one call.
 */
import { metrics, trace } from '@opentelemetry/api';
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter } from '@opentelemetry/sdk-trace-base';
import { AuthModule, MemoryUserStore } from 'nest-gatekeeper';

// In main.ts, before NestFactory.create():
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new ConsoleSpanExporter())] }));
metrics.setGlobalMeterProvider(
  new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter(), exportIntervalMillis: 60_000 })] }),
);

export const authWithTelemetry = AuthModule.forRoot({
  jwt: { secret: process.env.JWT_SECRET },
  userStore: MemoryUserStore,
  telemetry: true, // the default: on whenever an OpenTelemetry SDK is registered
});
