using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>
/// W3C trace context (<c>traceparent</c>, <c>tracestate</c>, baggage) carried in Kafka message
/// headers, so one trace runs from the producer through the processor to the Parquet commit.
/// </summary>
public static class TraceContextHeaders
{
    // Explicit W3C propagators rather than the SDK's global default, which is a no-op until an
    // OpenTelemetry SDK has been built: context must flow even where tracing is switched off.
    private static readonly TextMapPropagator s_propagator = new CompositeTextMapPropagator(
        [new TraceContextPropagator(), new BaggagePropagator()]);

    private static TextMapPropagator Propagator => s_propagator;

    /// <summary>Writes the context of <paramref name="activity"/> into <paramref name="headers"/>.</summary>
    public static void Inject(Activity? activity, Headers headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (activity is null)
        {
            return;
        }

        Propagator.Inject(new PropagationContext(activity.Context, Baggage.Current), headers, static (carrier, key, value) =>
        {
            carrier.Remove(key);
            carrier.Add(key, Encoding.UTF8.GetBytes(value));
        });
    }

    /// <summary>Reads the producer's context from <paramref name="headers"/> (default when absent).</summary>
    public static ActivityContext Extract(Headers? headers)
    {
        if (headers is null || headers.Count == 0)
        {
            return default;
        }

        var context = Propagator.Extract(default, headers, static (carrier, key) =>
            carrier.TryGetLastBytes(key, out var bytes) ? [Encoding.UTF8.GetString(bytes)] : []);
        return context.ActivityContext;
    }
}
