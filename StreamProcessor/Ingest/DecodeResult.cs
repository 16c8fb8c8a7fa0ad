namespace Pipeline.StreamProcessor.Ingest;

/// <summary>An event, or the reason (see <see cref="RejectReasons"/>) and a human detail why not.</summary>
internal readonly record struct DecodeResult(SensorEvent Event, string? Reason, string? Detail)
{
    public bool IsSuccess => Reason is null;

    public static DecodeResult Success(SensorEvent e) => new(e, null, null);

    public static DecodeResult Reject(string reason, string detail) => new(default, reason, detail);
}
