namespace Pipeline.StreamProcessor.Ingest;

/// <summary>
/// Why a message was rejected: stable, machine-readable strings, used as the dead-letter
/// <c>dlq.reason</c> header and as the tag of the rejection counter.
/// </summary>
internal static class RejectReasons
{
    public const string Empty = "empty";
    public const string TooLarge = "too_large";
    public const string InvalidUtf8 = "invalid_utf8";
    public const string MalformedJson = "malformed_json";
    public const string TooDeep = "too_deep";
    public const string MissingId = "missing_field:id";
    public const string MissingTimestamp = "missing_field:ts";
    public const string MissingValue = "missing_field:value";
    public const string BadTypeId = "bad_type:id";
    public const string BadTypeTimestamp = "bad_type:ts";
    public const string BadTypeValue = "bad_type:value";
    public const string BadTypeSource = "bad_type:source";
    public const string IdOutOfRange = "out_of_range:id";
    public const string ValueNotFinite = "not_finite:value";
    public const string BadTimestamp = "bad_timestamp:ts";
    public const string TimestampOutOfRange = "out_of_range:ts";
    public const string DuplicateId = "duplicate_field:id";
    public const string DuplicateTimestamp = "duplicate_field:ts";
    public const string DuplicateValue = "duplicate_field:value";
    public const string DuplicateSource = "duplicate_field:source";
}
