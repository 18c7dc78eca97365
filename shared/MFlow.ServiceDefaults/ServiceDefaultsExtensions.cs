using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MassTransit.Logging;
using MassTransit.Monitoring;
using MFlow.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MFlow.ServiceDefaults;

/// <summary>Health, telemetry and shutdown defaults every MFlow process shares.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// Adds health checks (bus and database checks register themselves tagged "ready"), a graceful
    /// shutdown window, and OpenTelemetry: traces, metrics and logs (see <see cref="AddMFlowTelemetry"/>).
    /// </summary>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(45));
        builder.AddMFlowTelemetry();
        return builder;
    }

    /// <summary>
    /// OpenTelemetry the hosting way. Traces: incoming HTTP requests, outgoing HTTP calls (the
    /// Kubernetes API among them; a request marked <see cref="SecretUrls"/> without its URL's path), PostgreSQL commands, MassTransit's sends and consumes, and MFlow's
    /// own spans. Metrics: the same libraries', the .NET runtime's and MFlow's own
    /// (<see cref="MFlowMetrics"/>), served for Prometheus on /metrics. Logs go through OpenTelemetry
    /// too, so each carries the trace it was written in. Everything is also exported over OTLP when
    /// OTEL_EXPORTER_OTLP_ENDPOINT is set (OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_SERVICE_NAME and the
    /// other standard OTEL_* variables apply).
    /// </summary>
    public static IHostApplicationBuilder AddMFlowTelemetry(this IHostApplicationBuilder builder)
    {
        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } configured ? configured : builder.Environment.ApplicationName;
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceInstanceId: Environment.MachineName))
            .WithTracing(tracing => tracing
                .AddSource(MFlowTelemetry.SourceName, DiagnosticHeaders.DefaultListenerName)
                .AddAspNetCoreInstrumentation(aspNet => aspNet.Filter = context => !IsProbe(context.Request.Path))
                // A chat bot's webhook URL is its credential: the notifier marks such requests (SecretUrls).
                .AddHttpClientInstrumentation(SecretUrls.Configure)
                .AddNpgsql())
            .WithMetrics(metrics => metrics
                .AddMeter(MFlowMetrics.MeterName, InstrumentationOptions.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddPrometheusExporter());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            telemetry.UseOtlpExporter();
        return builder;
    }

    /// <summary>
    /// Maps /health/live (the process answers) and /health/ready (every check tagged "ready" passes:
    /// the bus is connected, the database answers).
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            // MassTransit reports a bus whose endpoints are not consuming as Degraded; ASP.NET would
            // answer 200 for it, and an orchestrator would keep a worker that does nothing.
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }

    /// <summary>Where Prometheus scrapes every MFlow process.</summary>
    public const string MetricsPath = "/metrics";

    // Probes and scrapes every few seconds would drown the traces that matter.
    static bool IsProbe(PathString path) =>
        path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments(MetricsPath, StringComparison.OrdinalIgnoreCase);
}
