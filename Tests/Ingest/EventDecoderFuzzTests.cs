using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor.Ingest;

namespace Pipeline.Tests.Ingest;

/// <summary>
/// Seeded generator-based properties of <see cref="EventDecoder"/>. The seed is printed in the test output
/// and can be replayed with <c>PIPELINE_FUZZ_SEED=&lt;seed&gt;</c>; every failure names the seed and the case.
/// </summary>
public sealed class EventDecoderFuzzTests
{
    private const int Cases = 5000;
    private const int DefaultSeed = 20261124;
    private const string SeedVariable = "PIPELINE_FUZZ_SEED";

    private static readonly IngestOptions s_limits = new();
    private static readonly HashSet<string> s_reasons = typeof(RejectReasons)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    // Text pieces a mutation may splice in: JSON structure, hostile numbers, escapes (lone surrogates
    // among them), field names and bytes that are not UTF-8.
    private static readonly byte[][] s_tokens =
    [
        .. new[]
        {
            "{", "}", "[", "]", "\"", ",", ":", "\\", "null", "true", "-", "1e400", "-1e400", "NaN", "Infinity",
            "99999999999999999999", "\\uD800", "\\uDC00", "\\u002B", "\\u0000", "\\\"", "\"id\":", "\"ts\":", "\"value\":",
            "\"source\":", "\"x\":[[[[[[[[[[", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "+14:00", "Z",
        }.Select(Encoding.UTF8.GetBytes),
        [0xFF], [0xC3, 0x28], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xEF, 0xBB, 0xBF], [0x00],
    ];

    private static readonly string[] s_sourcePieces =
    [
        "sim-producer", "a", "Z", "0", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", "\u0000", "\u001f", "\u007f",
        "<", ">", "&", "'", "+", "`", "é", "ß", "中文", "\u2028", "\u2029", "\uFEFF", "\uFFFD", "😀", "𝄞", "\u0301",
    ];

    private readonly EventDecoder _sut = new(Options.Create(new IngestOptions()));
    private readonly int _seed = ReadSeed();

    [Fact]
    public void Decode_RandomValidEvents_RoundTripExactly()
    {
        // Arrange
        var random = new Random(_seed);
        Report("round trip");

        for (var i = 0; i < Cases; i++)
        {
            var expected = GenerateEvent(random);
            var bytes = Serialize(expected, random);

            // Act
            var result = _sut.Decode(bytes);

            // Assert
            var where = Where(i, bytes);
            Assert.True(result.IsSuccess, $"{where}: rejected as {result.Reason} ({result.Detail})");
            Assert.True(expected.Id == result.Event.Id, $"{where}: id {result.Event.Id}, expected {expected.Id}");
            Assert.True(DateTimeKind.Utc == result.Event.Timestamp.Kind, $"{where}: timestamp kind {result.Event.Timestamp.Kind}");
            Assert.True(expected.Timestamp.UtcTicks == result.Event.Timestamp.Ticks,
                $"{where}: ts {result.Event.Timestamp:o}, expected {expected.Timestamp.UtcDateTime:o}");
            Assert.True(BitConverter.DoubleToInt64Bits(expected.Value) == BitConverter.DoubleToInt64Bits(result.Event.Value),
                $"{where}: value {result.Event.Value:R}, expected {expected.Value:R}");
            Assert.True(expected.Source == result.Event.Source, $"{where}: source '{result.Event.Source}', expected '{expected.Source}'");
        }
    }

    [Fact]
    public void Decode_MutatedValidEvents_NeverThrowAndAlwaysClassify()
    {
        // Arrange
        var random = new Random(_seed);
        Report("mutations");

        for (var i = 0; i < Cases; i++)
        {
            var bytes = Serialize(GenerateEvent(random), random);
            for (var n = random.Next(1, 4); n > 0; n--)
            {
                bytes = Mutate(bytes, random);
            }

            // Act + Assert
            AssertClassified(bytes, i);
        }
    }

    [Fact]
    public void Decode_RandomBytes_NeverThrowAndAlwaysClassify()
    {
        // Arrange: half uniformly random bytes (mostly invalid UTF-8), half JSON-like token soup.
        var random = new Random(_seed);
        Report("random bytes");

        for (var i = 0; i < Cases; i++)
        {
            byte[] bytes;
            if (i % 2 == 0)
            {
                bytes = new byte[random.Next(0, 200)];
                random.NextBytes(bytes);
            }
            else
            {
                var soup = new List<byte>();
                for (var n = random.Next(0, 40); n > 0; n--)
                {
                    soup.AddRange(random.Next(4) == 0 ? [(byte)random.Next(0x20, 0x7F)] : s_tokens[random.Next(s_tokens.Length)]);
                }

                bytes = [.. soup];
            }

            // Act + Assert
            AssertClassified(bytes, i);
        }
    }

    [Fact]
    public void Decode_CanonicalEvents_TakeTheFastPathAndGiveTheGeneralResult()
    {
        // Arrange: the Producer's form (id, ts, value, source in this order, compact, UTC 'Z'), with any id, instant
        // and finite value of the contract; only an escaped source (the fast path has no unescaping) falls back.
        var random = new Random(_seed);
        Report("canonical fast path");

        for (var i = 0; i < Cases; i++)
        {
            var bytes = SerializeCanonical(GenerateEvent(random), random);

            // Act
            var tookFastPath = CanonicalEventParser.TryParse(
                bytes, s_limits.MinTimestamp.UtcTicks, s_limits.MaxTimestamp.UtcTicks, new Utf8StringCache(), out _);

            // Assert
            Assert.True(tookFastPath == !bytes.Contains((byte)'\\'), $"{Where(i, bytes)}: fast path {(tookFastPath ? "taken" : "declined")}");
            AssertSameAsGeneralPath(bytes, i);
        }
    }

    [Fact]
    public void Decode_MutatedCanonicalEvents_GiveTheGeneralResult()
    {
        // Arrange: canonical events with one to three mutations: whatever the fast path accepts must be exactly
        // what the general path decodes, and whatever it declines goes to the general path's reasons.
        var random = new Random(_seed);
        Report("mutated canonical");

        for (var i = 0; i < Cases; i++)
        {
            var bytes = SerializeCanonical(GenerateEvent(random), random);
            for (var n = random.Next(1, 4); n > 0; n--)
            {
                bytes = Mutate(bytes, random);
            }

            // Act + Assert
            AssertSameAsGeneralPath(bytes, i);
        }
    }

    [Theory]
    [InlineData("{\"id\":7,\"ts\":\"2026-01-01T00:00:00Z\",\"value\":66.81,\"source\":\"sim-producer\"}", true)]
    [InlineData("{\"id\":0,\"ts\":\"2026-02-28T23:59:59.1234567Z\",\"value\":-1.5e-3,\"source\":null}", true)]
    [InlineData("{\"id\":2147483647,\"ts\":\"2028-02-29T00:00:00.1Z\",\"value\":0,\"source\":\"\"}", true)]
    [InlineData("{\"id\":2147483648,\"ts\":\"2026-01-01T00:00:00Z\",\"value\":1,\"source\":null}", false)]
    [InlineData("{\"id\":01,\"ts\":\"2026-01-01T00:00:00Z\",\"value\":1,\"source\":null}", false)]
    [InlineData("{\"id\":1,\"ts\":\"2026-02-29T00:00:00Z\",\"value\":1,\"source\":null}", false)]
    [InlineData("{\"id\":1,\"ts\":\"2026-01-01T00:00:00.12345678Z\",\"value\":1,\"source\":null}", false)]
    [InlineData("{\"id\":1,\"ts\":\"2026-01-01T00:00:00+00:00\",\"value\":1,\"source\":null}", false)]
    [InlineData("{\"id\":1,\"ts\":\"1999-12-31T23:59:59Z\",\"value\":1,\"source\":null}", false)]
    [InlineData("{\"id\":1,\"ts\":\"2026-01-01T00:00:00Z\",\"value\":1e400,\"source\":null}", false)]
    [InlineData("{\"id\":1,\"ts\":\"2026-01-01T00:00:00Z\",\"value\":01,\"source\":null}", false)]
    [InlineData("{\"id\":1,\"ts\":\"2026-01-01T00:00:00Z\",\"value\":1.,\"source\":null}", false)]
    [InlineData("{\"id\":1,\"ts\":\"2026-01-01T00:00:00Z\",\"value\":1,\"source\":\"a\\\"b\"}", false)]
    [InlineData("{\"id\":1,\"ts\":\"2026-01-01T00:00:00Z\",\"value\":1,\"source\":\"tab\tin\"}", false)]
    [InlineData("{\"id\":1,\"ts\":\"2026-01-01T00:00:00Z\",\"value\":1,\"source\":null} ", false)]
    [InlineData("{\"id\":1,\"ts\":\"2026-01-01T00:00:00Z\",\"value\":1,\"source\":null,\"x\":1}", false)]
    public void TryParse_AcceptsOnlyTheCanonicalForm(string json, bool expected)
    {
        // Arrange
        var bytes = Encoding.UTF8.GetBytes(json);

        // Act
        var accepted = CanonicalEventParser.TryParse(
            bytes, s_limits.MinTimestamp.UtcTicks, s_limits.MaxTimestamp.UtcTicks, new Utf8StringCache(), out _);

        // Assert
        Assert.Equal(expected, accepted);
        AssertSameAsGeneralPath(bytes, 0);
    }

    private void AssertSameAsGeneralPath(byte[] bytes, int i)
    {
        var general = new EventDecoder(Options.Create(new IngestOptions())).DecodeGeneral(bytes);
        var result = _sut.Decode(bytes);

        var where = Where(i, bytes);
        Assert.True(general.Reason == result.Reason, $"{where}: reason '{result.Reason}', the general path says '{general.Reason}'");
        Assert.True(general.Detail == result.Detail, $"{where}: detail '{result.Detail}', the general path says '{general.Detail}'");
        Assert.True(general.Event.Id == result.Event.Id, $"{where}: id {result.Event.Id}, the general path says {general.Event.Id}");
        Assert.True(general.Event.Timestamp.Ticks == result.Event.Timestamp.Ticks && general.Event.Timestamp.Kind == result.Event.Timestamp.Kind,
            $"{where}: ts {result.Event.Timestamp:o}, the general path says {general.Event.Timestamp:o}");
        Assert.True(BitConverter.DoubleToInt64Bits(general.Event.Value) == BitConverter.DoubleToInt64Bits(result.Event.Value),
            $"{where}: value {result.Event.Value:R}, the general path says {general.Event.Value:R}");
        Assert.True(general.Event.Source == result.Event.Source, $"{where}: source '{result.Event.Source}', the general path says '{general.Event.Source}'");
    }

    /// <summary>The Producer's form: fields in order, compact, the timestamp in UTC with a 'Z' and up to 7 fraction digits.</summary>
    private static byte[] SerializeCanonical(GeneratedEvent e, Random random)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Encoder = random.Next(2) == 0 ? JavaScriptEncoder.Default : JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("id", e.Id);
            writer.WriteString("ts", e.Timestamp.UtcDateTime);
            writer.WriteNumber("value", e.Value);
            if (e.Source is null)
            {
                writer.WriteNull("source");
            }
            else
            {
                writer.WriteString("source", e.Source);
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private void AssertClassified(byte[] bytes, int i)
    {
        DecodeResult result;
        try
        {
            result = _sut.Decode(bytes);
        }
        catch (Exception ex)
        {
            Assert.Fail($"{Where(i, bytes)}: threw {ex.GetType().Name}: {ex.Message}");
            return;
        }

        if (result.IsSuccess)
        {
            var e = result.Event;
            Assert.True(e.Id >= 0 && double.IsFinite(e.Value) && e.Timestamp.Kind == DateTimeKind.Utc
                && e.Timestamp >= s_limits.MinTimestamp.UtcDateTime && e.Timestamp <= s_limits.MaxTimestamp.UtcDateTime,
                $"{Where(i, bytes)}: accepted an event outside the contract: {e}");
        }
        else
        {
            Assert.True(s_reasons.Contains(result.Reason!), $"{Where(i, bytes)}: unknown reason '{result.Reason}'");
            Assert.False(string.IsNullOrWhiteSpace(result.Detail), $"{Where(i, bytes)}: no detail for {result.Reason}");
        }
    }

    private static GeneratedEvent GenerateEvent(Random random)
    {
        var id = random.Next(4) switch
        {
            0 => 0,
            1 => int.MaxValue,
            2 => random.Next(10),
            _ => random.Next(),
        };

        var value = random.Next(6) switch
        {
            0 => random.Next(-1000, 1000),
            1 => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-300, 300)),
            2 => new[] { 0.0, -0.0, double.MaxValue, double.MinValue, double.Epsilon, -double.Epsilon, 1e-320, 0.1 }[random.Next(8)],
            _ => RandomFiniteBits(random),
        };

        // Any instant of the accepted range (bounds included), at full tick precision, in a random zone.
        var span = s_limits.MaxTimestamp.UtcTicks - s_limits.MinTimestamp.UtcTicks;
        var instant = s_limits.MinTimestamp.AddTicks(random.Next(20) switch
        {
            0 => 0,
            1 => span,
            _ => random.NextInt64(span + 1),
        });
        var offset = random.Next(3) == 0 ? TimeSpan.Zero : TimeSpan.FromMinutes(random.Next(-14 * 60, 14 * 60 + 1));

        string? source = null;
        if (random.Next(4) != 0)
        {
            var builder = new StringBuilder();
            for (var n = random.Next(0, random.Next(2) == 0 ? 6 : 40); n > 0; n--)
            {
                builder.Append(random.Next(3) == 0 ? (char)random.Next(0x20, 0x7F) : s_sourcePieces[random.Next(s_sourcePieces.Length)]);
            }

            source = builder.ToString();
        }

        return new GeneratedEvent(id, instant.ToOffset(offset), value, source);
    }

    private static double RandomFiniteBits(Random random)
    {
        while (true)
        {
            var value = BitConverter.Int64BitsToDouble(random.NextInt64(long.MinValue, long.MaxValue));
            if (double.IsFinite(value))
            {
                return value;
            }
        }
    }

    /// <summary>
    /// Writes the event with <see cref="Utf8JsonWriter"/>: random field order, the timestamp as a
    /// DateTimeOffset or as text in either zone form, the default (escaping) or relaxed encoder,
    /// compact or indented, with or without unknown fields and an explicit null source.
    /// </summary>
    private static byte[] Serialize(GeneratedEvent e, Random random)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Indented = random.Next(4) == 0,
            Encoder = random.Next(2) == 0 ? JavaScriptEncoder.Default : JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            var fields = new List<Action>
            {
                () => writer.WriteNumber("id", e.Id),
                () => writer.WriteNumber("value", e.Value),
                () =>
                {
                    switch (random.Next(3))
                    {
                        case 0:
                            writer.WriteString("ts", e.Timestamp);
                            break;
                        case 1:
                            writer.WriteString("ts", e.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
                            break;
                        default:
                            writer.WriteString("ts", e.Timestamp.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture));
                            break;
                    }
                },
            };
            if (e.Source is not null)
            {
                fields.Add(() => writer.WriteString("source", e.Source));
            }
            else if (random.Next(2) == 0)
            {
                fields.Add(() => writer.WriteNull("source"));
            }

            if (random.Next(3) == 0)
            {
                fields.Add(() =>
                {
                    writer.WritePropertyName("extra-" + random.Next(100).ToString(CultureInfo.InvariantCulture));
                    writer.WriteStartArray();
                    writer.WriteStartObject();
                    writer.WriteString("id", "not the id");
                    writer.WriteNumber("ts", 1);
                    writer.WriteEndObject();
                    writer.WriteEndArray();
                });
            }

            writer.WriteStartObject();
            foreach (var field in fields.OrderBy(_ => random.Next()).ToList())
            {
                field();
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static byte[] Mutate(byte[] bytes, Random random)
    {
        if (bytes.Length == 0)
        {
            return s_tokens[random.Next(s_tokens.Length)];
        }

        var at = random.Next(bytes.Length + 1);
        switch (random.Next(5))
        {
            case 0: // truncate
                return bytes[..random.Next(bytes.Length)];
            case 1: // flip one byte (a single bit or a whole new value)
                var flipped = (byte[])bytes.Clone();
                var index = random.Next(bytes.Length);
                flipped[index] = random.Next(2) == 0 ? (byte)(flipped[index] ^ (1 << random.Next(8))) : (byte)random.Next(256);
                return flipped;
            case 2: // insert random bytes
                var noise = new byte[random.Next(1, 9)];
                random.NextBytes(noise);
                return [.. bytes[..at], .. noise, .. bytes[at..]];
            case 3: // insert a hostile token
                return [.. bytes[..at], .. s_tokens[random.Next(s_tokens.Length)], .. bytes[at..]];
            default: // duplicate a span somewhere else
                var start = random.Next(bytes.Length);
                var span = bytes[start..Math.Min(bytes.Length, start + random.Next(1, 40))];
                return [.. bytes[..at], .. span, .. bytes[at..]];
        }
    }

    private string Where(int i, byte[] bytes) =>
        $"{SeedVariable}={_seed}, case {i}, input {Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 300)))}" +
        $" ('{Encoding.UTF8.GetString(bytes.AsSpan(0, Math.Min(bytes.Length, 300)))}')";

    private void Report(string property) =>
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{property}: {Cases} cases, seed {_seed} (replay with {SeedVariable}={_seed})");

    private static int ReadSeed() =>
        int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : DefaultSeed;

    private sealed record GeneratedEvent(int Id, DateTimeOffset Timestamp, double Value, string? Source);
}
