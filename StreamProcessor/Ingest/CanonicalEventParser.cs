using System.Buffers.Text;

namespace Pipeline.StreamProcessor.Ingest;

/// <summary>
/// The fast path of <see cref="EventDecoder"/>: parses the one form the Producer writes,
/// <c>{"id":7,"ts":"2026-01-01T00:00:00.0001Z","value":66.81,"source":"sim-producer"}</c> (fields in this order,
/// no whitespace, no escapes, a UTC <c>Z</c> timestamp with at most 7 fraction digits), in one forward pass
/// without a tokenizer. It accepts only input the general decoder accepts with the same event: anything else
/// (another order, whitespace, escapes, an offset zone, a value out of range, an unknown field) returns false,
/// and the general decoder decides, with its reasons. The number is parsed by the same <see cref="Utf8Parser"/>
/// call <see cref="System.Text.Json.Utf8JsonReader.TryGetDouble"/> makes, so the values are bit-identical.
/// The input must already be valid UTF-8 (the decoder checks it first).
/// </summary>
internal static class CanonicalEventParser
{
    public static bool TryParse(
        ReadOnlySpan<byte> utf8, long minUtcTicks, long maxUtcTicks, Utf8StringCache sources, out SensorEvent parsed)
    {
        parsed = default;
        if (!utf8.StartsWith("{\"id\":"u8))
        {
            return false;
        }

        var rest = utf8[6..];
        if (!TryParseId(ref rest, out var id)
            || !Expect(ref rest, ",\"ts\":\""u8)
            || !TryParseUtcTimestamp(ref rest, out var ticks)
            || ticks < minUtcTicks || ticks > maxUtcTicks
            || !Expect(ref rest, "\",\"value\":"u8)
            || !TryParseNumber(ref rest, out var value)
            || !Expect(ref rest, ",\"source\":"u8)
            || !TryParseSource(ref rest, sources, out var source)
            || rest is not [(byte)'}'])
        {
            return false;
        }

        parsed = new SensorEvent(id, new DateTime(ticks, DateTimeKind.Utc), value, source);
        return true;
    }

    private static bool Expect(ref ReadOnlySpan<byte> rest, ReadOnlySpan<byte> literal)
    {
        if (!rest.StartsWith(literal))
        {
            return false;
        }

        rest = rest[literal.Length..];
        return true;
    }

    /// <summary>0, or 1 to 10 digits without a leading zero, at most <see cref="int.MaxValue"/>.</summary>
    private static bool TryParseId(ref ReadOnlySpan<byte> rest, out int id)
    {
        id = 0;
        var length = 0;
        long number = 0;
        while (length < rest.Length && IsDigit(rest[length]))
        {
            number = number * 10 + (rest[length] - '0');
            if (++length > 10)
            {
                return false;
            }
        }

        if (length == 0 || (rest[0] == '0' && length > 1) || number > int.MaxValue)
        {
            return false;
        }

        id = (int)number;
        rest = rest[length..];
        return true;
    }

    /// <summary><c>yyyy-MM-ddTHH:mm:ss</c>, optionally <c>.f</c> to <c>.fffffff</c>, then <c>Z</c>; a real calendar date and time.</summary>
    private static bool TryParseUtcTimestamp(ref ReadOnlySpan<byte> rest, out long ticks)
    {
        ticks = 0;
        if (rest.Length < 20
            || rest[4] != '-' || rest[7] != '-' || rest[10] != 'T' || rest[13] != ':' || rest[16] != ':'
            || !TryDigits(rest[..4], out var year) || !TryDigits(rest.Slice(5, 2), out var month)
            || !TryDigits(rest.Slice(8, 2), out var day) || !TryDigits(rest.Slice(11, 2), out var hour)
            || !TryDigits(rest.Slice(14, 2), out var minute) || !TryDigits(rest.Slice(17, 2), out var second)
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var position = 19;
        long fraction = 0;
        if (rest[position] == '.')
        {
            var digits = 0;
            while (++position < rest.Length && IsDigit(rest[position]))
            {
                if (++digits > 7)
                {
                    return false;
                }

                fraction = fraction * 10 + (rest[position] - '0');
            }

            if (digits == 0)
            {
                return false;
            }

            for (; digits < 7; digits++)
            {
                fraction *= 10;
            }
        }

        if (position >= rest.Length || rest[position] != 'Z')
        {
            return false;
        }

        ticks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).Ticks + fraction;
        rest = rest[(position + 1)..];
        return true;
    }

    /// <summary>A JSON number (<c>-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?</c>) that is a finite double.</summary>
    private static bool TryParseNumber(ref ReadOnlySpan<byte> rest, out double value)
    {
        value = 0;
        var i = 0;
        if (i < rest.Length && rest[i] == '-')
        {
            i++;
        }

        var integerStart = i;
        while (i < rest.Length && IsDigit(rest[i]))
        {
            i++;
        }

        if (i == integerStart || (rest[integerStart] == '0' && i - integerStart > 1))
        {
            return false;
        }

        if (i < rest.Length && rest[i] == '.' && !SkipDigits(rest, ref i))
        {
            return false;
        }

        if (i < rest.Length && rest[i] is (byte)'e' or (byte)'E')
        {
            if (i + 1 < rest.Length && rest[i + 1] is (byte)'+' or (byte)'-')
            {
                i++;
            }

            if (!SkipDigits(rest, ref i))
            {
                return false;
            }
        }

        var number = rest[..i];
        if (!Utf8Parser.TryParse(number, out value, out var consumed) || consumed != number.Length || !double.IsFinite(value))
        {
            return false;
        }

        rest = rest[i..];
        return true;
    }

    /// <summary>Skips the separator at <paramref name="i"/> and the digits after it; false when there are none.</summary>
    private static bool SkipDigits(ReadOnlySpan<byte> text, ref int i)
    {
        var start = ++i;
        while (i < text.Length && IsDigit(text[i]))
        {
            i++;
        }

        return i > start;
    }

    /// <summary><c>null</c>, or a string without escapes or control characters (interned through the cache).</summary>
    private static bool TryParseSource(ref ReadOnlySpan<byte> rest, Utf8StringCache sources, out string? source)
    {
        source = null;
        if (rest.StartsWith("null"u8))
        {
            rest = rest[4..];
            return true;
        }

        if (rest.IsEmpty || rest[0] != '"')
        {
            return false;
        }

        var length = rest[1..].IndexOfAny((byte)'"', (byte)'\\');
        if (length < 0 || rest[1 + length] != '"')
        {
            return false;
        }

        var text = rest.Slice(1, length);
        if (text.IndexOfAnyInRange((byte)0, (byte)0x1F) >= 0)
        {
            return false;
        }

        source = sources.GetOrAdd(text);
        rest = rest[(length + 2)..];
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<byte> text, out int number)
    {
        number = 0;
        foreach (var b in text)
        {
            if (!IsDigit(b))
            {
                return false;
            }

            number = number * 10 + (b - '0');
        }

        return true;
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;
}
