using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Pipeline.KafkaBroker.Telemetry;

namespace Pipeline.KafkaBroker.Hosting;

/// <summary>
/// The runnable broker's telemetry: its logs, its meter and the runtime's metrics, exported over OTLP when Aspire
/// sets <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (the services' defaults do the same, and add the HTTP and tracing
/// instrumentation a broker without HTTP endpoints or spans has no use for).
/// </summary>
internal static class BrokerOpenTelemetry
{
    public static HostApplicationBuilder AddBrokerOpenTelemetry(this HostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddRuntimeInstrumentation()
                .AddMeter(KafkaBrokerTelemetry.MeterName));
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }

        return builder;
    }
}
