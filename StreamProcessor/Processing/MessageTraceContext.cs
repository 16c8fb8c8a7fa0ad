using System.Diagnostics;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// The producer's trace context of one message, read only when something uses it (the message's process span, or a
/// link of its batch's commit span): under load most messages get neither, so their headers are never parsed.
/// Either already known (<see cref="MessageTraceContext(ActivityContext)"/>: the tests, the benchmark) or still in
/// the record (<see cref="MessageTraceContext(object, Func{object, ActivityContext})"/>: Kafka's headers and a
/// static extractor, so building one allocates nothing).
/// </summary>
internal readonly struct MessageTraceContext
{
    private readonly ActivityContext _context;
    private readonly object? _carrier;
    private readonly Func<object, ActivityContext>? _extract;

    public MessageTraceContext(ActivityContext context) => _context = context;

    /// <param name="carrier">What holds the context (the record's headers).</param>
    /// <param name="extract">Reads it; a cached static delegate.</param>
    public MessageTraceContext(object carrier, Func<object, ActivityContext> extract)
    {
        ArgumentNullException.ThrowIfNull(carrier);
        ArgumentNullException.ThrowIfNull(extract);
        _carrier = carrier;
        _extract = extract;
    }

    /// <summary>The producer's context; default when the message carries none. Parses the carrier on every call.</summary>
    public ActivityContext Resolve() => _extract is null ? _context : _extract(_carrier!);

    public static implicit operator MessageTraceContext(ActivityContext context) => new(context);
}
