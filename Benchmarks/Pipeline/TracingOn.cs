using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Pipeline.Benchmarks.Pipeline;

/// <summary>
/// What "tracing on" means in the <c>pipeline</c> benchmark: the processor's host gets the service's own
/// <c>AddServiceDefaults()</c>, as StreamProcessor/Program.cs calls it (OpenTelemetry traces, metrics and logs; the
/// <c>Pipeline.*</c> ActivitySources registered; the SDK's default sampler, ParentBased(AlwaysOn): the benchmark's
/// producer sends no trace context, so every span is a root and is sampled and recorded). OTLP is off
/// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c> forced empty), so no exporter; in its place a processor that counts the ended spans.
/// So every span the processor makes is created, tagged, recorded and handed to a processor, but not serialized or
/// sent: exporting (OTLP's batch processor, protobuf, the network) would cost more on top. Which spans those are is the
/// service's own setting, left at its default: a <c>process</c> span for at most
/// <c>Pipeline:Processor:MaxMessageSpansPerSecond</c> (100) messages a second, and a <c>commit</c> span per batch
/// (whose links to the producers' spans stay empty here, since no message carries a context).
/// "Off" is the same run without this: no ActivityListener, so the processor's <c>HasListeners()</c> checks skip the spans.
/// </summary>
internal sealed class TracingOn : BaseProcessor<Activity>
{
    private long _spans;

    public long Spans => Interlocked.Read(ref _spans);

    public void Configure(WebApplicationBuilder builder)
    {
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "" });
        builder.AddServiceDefaults();
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddProcessor(this));
    }

    public override void OnEnd(Activity data) => Interlocked.Increment(ref _spans);
}
