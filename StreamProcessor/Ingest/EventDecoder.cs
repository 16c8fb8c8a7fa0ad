using System.Text.Json;
using System.Text.Unicode;
using Microsoft.Extensions.Options;

namespace Pipeline.StreamProcessor.Ingest;

/// <summary>
/// Decodes one message value, UTF-8 JSON <c>{"id", "ts", "value", "source"}</c>, straight from the
/// bytes with <see cref="Utf8JsonReader"/>: no intermediate string, no DOM, no allocation per event
/// (the <c>source</c> string is interned). Anything outside the contract is rejected with a stable
/// reason (<see cref="RejectReasons"/>); unknown extra fields are skipped, for forward compatibility.
/// The Producer's own form takes a fast path (<see cref="CanonicalEventParser"/>, several times faster than the
/// tokenizer); everything else, and everything the fast path is unsure of, takes the general one.
/// Not thread-safe (the source cache): one decoder per consumer.
/// </summary>
internal sealed class EventDecoder(IOptions<IngestOptions> options)
{
    private const int MaxEscapedTimestampBytes = 256;

    private readonly IngestOptions _options = options.Value;
    private readonly Utf8StringCache _sources = new();
    private readonly long _minUtcTicks = options.Value.MinTimestamp.UtcTicks;
    private readonly long _maxUtcTicks = options.Value.MaxTimestamp.UtcTicks;

    public DecodeResult Decode(ReadOnlySpan<byte> utf8) => Decode(utf8, useFastPath: true);

    /// <summary>The general path alone, for the tests that hold the fast path to the same results.</summary>
    internal DecodeResult DecodeGeneral(ReadOnlySpan<byte> utf8) => Decode(utf8, useFastPath: false);

    private DecodeResult Decode(ReadOnlySpan<byte> utf8, bool useFastPath)
    {
        if (utf8.IsEmpty)
        {
            return DecodeResult.Reject(RejectReasons.Empty, "The message value is empty.");
        }

        if (utf8.Length > _options.MaxMessageBytes)
        {
            return DecodeResult.Reject(RejectReasons.TooLarge,
                $"The message value has {utf8.Length} bytes; the limit is {_options.MaxMessageBytes}.");
        }

        if (!Utf8.IsValid(utf8))
        {
            return DecodeResult.Reject(RejectReasons.InvalidUtf8, "The message value is not valid UTF-8.");
        }

        if (useFastPath && CanonicalEventParser.TryParse(utf8, _minUtcTicks, _maxUtcTicks, _sources, out var parsed))
        {
            return DecodeResult.Success(parsed);
        }

        try
        {
            return DecodeObject(utf8);
        }
        catch (JsonException ex)
        {
            return DecodeResult.Reject(RejectReasons.MalformedJson, ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            // An escaped lone surrogate ("\uD800", in a field name or a string value) is valid UTF-8 and
            // passes the reader, but unescaping it (ValueTextEquals, GetString, CopyString) throws this.
            // Escaping the decoder, it became a ConsumeException the worker logs and skips: the message was
            // lost instead of dead-lettered. It is not text, so it is malformed JSON.
            return DecodeResult.Reject(RejectReasons.MalformedJson, ex.Message);
        }
    }

    private DecodeResult DecodeObject(ReadOnlySpan<byte> utf8)
    {
        // The reader's own depth limit is one above ours, so our check reports too_deep first.
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = _options.MaxDepth + 1 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return DecodeResult.Reject(RejectReasons.MalformedJson, "The value is not a JSON object.");
        }

        long id = 0;
        DateTime timestamp = default;
        double value = 0;
        string? source = null;
        bool hasId = false, hasTimestamp = false, hasValue = false, hasSource = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                if (hasId)
                {
                    return DecodeResult.Reject(RejectReasons.DuplicateId, "The field 'id' appears twice.");
                }

                hasId = true;
                reader.Read();
                if (ReadId(ref reader, out id) is { } rejected)
                {
                    return rejected;
                }
            }
            else if (reader.ValueTextEquals("ts"u8))
            {
                if (hasTimestamp)
                {
                    return DecodeResult.Reject(RejectReasons.DuplicateTimestamp, "The field 'ts' appears twice.");
                }

                hasTimestamp = true;
                reader.Read();
                if (ReadTimestamp(ref reader, out timestamp) is { } rejected)
                {
                    return rejected;
                }
            }
            else if (reader.ValueTextEquals("value"u8))
            {
                if (hasValue)
                {
                    return DecodeResult.Reject(RejectReasons.DuplicateValue, "The field 'value' appears twice.");
                }

                hasValue = true;
                reader.Read();
                if (reader.TokenType != JsonTokenType.Number)
                {
                    return DecodeResult.Reject(RejectReasons.BadTypeValue, $"'value' must be a number, not {reader.TokenType}.");
                }

                // Numbers beyond double's range (1e400) parse as infinity: not a measurement.
                if (!reader.TryGetDouble(out value) || !double.IsFinite(value))
                {
                    return DecodeResult.Reject(RejectReasons.ValueNotFinite, "'value' is not a finite double.");
                }
            }
            else if (reader.ValueTextEquals("source"u8))
            {
                if (hasSource)
                {
                    return DecodeResult.Reject(RejectReasons.DuplicateSource, "The field 'source' appears twice.");
                }

                hasSource = true;
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    source = reader.ValueIsEscaped ? reader.GetString() : _sources.GetOrAdd(reader.ValueSpan);
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    return DecodeResult.Reject(RejectReasons.BadTypeSource, $"'source' must be a string or null, not {reader.TokenType}.");
                }
            }
            else
            {
                reader.Read();
                if (SkipUnknown(ref reader) is { } rejected)
                {
                    return rejected;
                }
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            return DecodeResult.Reject(RejectReasons.MalformedJson, "The object is not closed.");
        }

        // Anything after the object (a second value, garbage) makes the reader throw: malformed.
        if (reader.Read())
        {
            return DecodeResult.Reject(RejectReasons.MalformedJson, "Unexpected content after the object.");
        }

        if (!hasId)
        {
            return DecodeResult.Reject(RejectReasons.MissingId, "The field 'id' is missing.");
        }

        if (!hasTimestamp)
        {
            return DecodeResult.Reject(RejectReasons.MissingTimestamp, "The field 'ts' is missing.");
        }

        if (!hasValue)
        {
            return DecodeResult.Reject(RejectReasons.MissingValue, "The field 'value' is missing.");
        }

        return DecodeResult.Success(new SensorEvent((int)id, timestamp, value, source));
    }

    private static DecodeResult? ReadId(ref Utf8JsonReader reader, out long id)
    {
        id = 0;
        if (reader.TokenType != JsonTokenType.Number)
        {
            return DecodeResult.Reject(RejectReasons.BadTypeId, $"'id' must be an integer, not {reader.TokenType}.");
        }

        if (!reader.TryGetInt64(out id))
        {
            // 3.0 is an integer written as a decimal; 1.5 or 1e30 are not ids.
            if (!reader.TryGetDouble(out var number) || number != Math.Floor(number) || number is < 0 or > int.MaxValue)
            {
                return DecodeResult.Reject(RejectReasons.IdOutOfRange, "'id' must be an integer between 0 and 2147483647.");
            }

            id = (long)number;
        }

        return id is < 0 or > int.MaxValue
            ? DecodeResult.Reject(RejectReasons.IdOutOfRange, $"'id' must be between 0 and 2147483647 (was {id}).")
            : null;
    }

    private DecodeResult? ReadTimestamp(ref Utf8JsonReader reader, out DateTime timestamp)
    {
        timestamp = default;
        if (reader.TokenType != JsonTokenType.String)
        {
            return DecodeResult.Reject(RejectReasons.BadTypeTimestamp, $"'ts' must be an ISO-8601 string, not {reader.TokenType}.");
        }

        // An escaped timestamp is the same text: System.Text.Json's default encoder writes "+02:00" as
        // "\u002B02:00". Unescape it (bounded: the reader parses escaped dates only up to 252 bytes) before
        // looking for the zone, rather than rejecting a valid event as bad_timestamp.
        Span<byte> unescaped = stackalloc byte[MaxEscapedTimestampBytes];
        scoped ReadOnlySpan<byte> text = reader.ValueSpan;
        if (reader.ValueIsEscaped)
        {
            text = text.Length <= MaxEscapedTimestampBytes ? unescaped[..reader.CopyString(unescaped)] : [];
        }

        if (!HasZone(text) || !reader.TryGetDateTimeOffset(out var parsed))
        {
            return DecodeResult.Reject(RejectReasons.BadTimestamp,
                "'ts' must be ISO-8601 with a zone, e.g. 2026-01-01T12:00:00Z or 2026-01-01T14:00:00+02:00.");
        }

        if (parsed < _options.MinTimestamp || parsed > _options.MaxTimestamp)
        {
            return DecodeResult.Reject(RejectReasons.TimestampOutOfRange,
                $"'ts' {parsed:o} is outside [{_options.MinTimestamp:o}, {_options.MaxTimestamp:o}].");
        }

        timestamp = parsed.UtcDateTime;
        return null;
    }

    /// <summary>True when an ISO-8601 text ends with a zone: <c>Z</c> or <c>±hh:mm</c>.</summary>
    private static bool HasZone(ReadOnlySpan<byte> text) =>
        text.Length > 10 && (text[^1] is (byte)'Z' or (byte)'z'
            || (text.Length > 16 && text[^6] is (byte)'+' or (byte)'-' && text[^3] == (byte)':'));

    /// <summary>Skips the value of an unknown field, refusing nesting deeper than the limit.</summary>
    private DecodeResult? SkipUnknown(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return null;
        }

        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.CurrentDepth >= _options.MaxDepth)
            {
                return DecodeResult.Reject(RejectReasons.TooDeep, $"Nesting deeper than {_options.MaxDepth} levels.");
            }
        }

        return null;
    }
}
