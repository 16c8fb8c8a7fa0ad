using System.Text;
using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor.Ingest;

namespace Pipeline.Tests.Ingest;

public sealed class EventDecoderTests
{
    private readonly EventDecoder _sut = new(Options.Create(new IngestOptions()));

    [Theory]
    [InlineData("""{"id":3,"ts":"2026-11-24T12:00:00Z","value":42.5,"source":"sim-producer"}""", 3, "2026-11-24T12:00:00.0000000Z", 42.5, "sim-producer")]
    [InlineData("""{"id":0,"ts":"2026-11-24T14:00:00+02:00","value":0}""", 0, "2026-11-24T12:00:00.0000000Z", 0.0, null)]
    [InlineData("""{"id":7,"ts":"2026-11-24T12:00:00.1234567Z","value":-1e3,"source":null}""", 7, "2026-11-24T12:00:00.1234567Z", -1000.0, null)]
    [InlineData(""" { "value" : 1 , "source":"s", "ts" : "2026-11-24T11:30:00-00:30", "id" : 9 } """, 9, "2026-11-24T12:00:00.0000000Z", 1.0, "s")]
    [InlineData("""{"id":2.0,"ts":"2026-11-24T12:00:00Z","value":5,"extra":{"nested":[1,2,{"a":null}]}}""", 2, "2026-11-24T12:00:00.0000000Z", 5.0, null)]
    public void Decode_ValidEvent_ReturnsItInUtc(string json, int id, string utc, double value, string? source)
    {
        // Act
        var result = _sut.Decode(Encoding.UTF8.GetBytes(json));

        // Assert
        Assert.True(result.IsSuccess, result.Detail);
        Assert.Equal(id, result.Event.Id);
        Assert.Equal(DateTimeKind.Utc, result.Event.Timestamp.Kind);
        Assert.Equal(utc, result.Event.Timestamp.ToString("o", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(value, result.Event.Value);
        Assert.Equal(source, result.Event.Source);
    }

    [Theory]
    [InlineData("", RejectReasons.Empty)]
    [InlineData("not json", RejectReasons.MalformedJson)]
    [InlineData("""{"id":1,"ts":"2026-11-24T12:00:00Z","value":1""", RejectReasons.MalformedJson)]
    [InlineData("""[1,2,3]""", RejectReasons.MalformedJson)]
    [InlineData("""{"id":1,"ts":"2026-11-24T12:00:00Z","value":1} {}""", RejectReasons.MalformedJson)]
    [InlineData("""{"id":1,"ts":"2026-11-24T12:00:00Z","value":NaN}""", RejectReasons.MalformedJson)]
    [InlineData("""{"id":1,"ts":"2026-11-24T12:00:00Z","value":Infinity}""", RejectReasons.MalformedJson)]
    [InlineData("""{"ts":"2026-11-24T12:00:00Z","value":1}""", RejectReasons.MissingId)]
    [InlineData("""{"id":1,"value":1}""", RejectReasons.MissingTimestamp)]
    [InlineData("""{"id":1,"ts":"2026-11-24T12:00:00Z"}""", RejectReasons.MissingValue)]
    [InlineData("""{"id":"1","ts":"2026-11-24T12:00:00Z","value":1}""", RejectReasons.BadTypeId)]
    [InlineData("""{"id":1,"ts":1732449600,"value":1}""", RejectReasons.BadTypeTimestamp)]
    [InlineData("""{"id":1,"ts":"2026-11-24T12:00:00Z","value":"1"}""", RejectReasons.BadTypeValue)]
    [InlineData("""{"id":1,"ts":"2026-11-24T12:00:00Z","value":1,"source":5}""", RejectReasons.BadTypeSource)]
    [InlineData("""{"id":-1,"ts":"2026-11-24T12:00:00Z","value":1}""", RejectReasons.IdOutOfRange)]
    [InlineData("""{"id":1.5,"ts":"2026-11-24T12:00:00Z","value":1}""", RejectReasons.IdOutOfRange)]
    [InlineData("""{"id":99999999999,"ts":"2026-11-24T12:00:00Z","value":1}""", RejectReasons.IdOutOfRange)]
    [InlineData("""{"id":1,"ts":"2026-11-24T12:00:00Z","value":1e400}""", RejectReasons.ValueNotFinite)]
    [InlineData("""{"id":1,"ts":"2026-11-24T12:00:00","value":1}""", RejectReasons.BadTimestamp)]
    [InlineData("""{"id":1,"ts":"yesterday","value":1}""", RejectReasons.BadTimestamp)]
    [InlineData("""{"id":1,"ts":"1970-01-01T00:00:00Z","value":1}""", RejectReasons.TimestampOutOfRange)]
    [InlineData("""{"id":1,"ts":"2999-01-01T00:00:00Z","value":1}""", RejectReasons.TimestampOutOfRange)]
    [InlineData("""{"id":1,"id":2,"ts":"2026-11-24T12:00:00Z","value":1}""", RejectReasons.DuplicateId)]
    [InlineData("""{"id":1,"ts":"2026-11-24T12:00:00Z","ts":"2026-11-24T12:00:00Z","value":1}""", RejectReasons.DuplicateTimestamp)]
    [InlineData("""{"id":1,"ts":"2026-11-24T12:00:00Z","value":1,"value":2}""", RejectReasons.DuplicateValue)]
    [InlineData("""{"id":1,"ts":"2026-11-24T12:00:00Z","value":1,"source":"a","source":"b"}""", RejectReasons.DuplicateSource)]
    [InlineData("""{"id":1,"ts":"2026-11-24T12:00:00Z","value":1,"x":[[[[[[[[[[[[1]]]]]]]]]]]]}""", RejectReasons.TooDeep)]
    public void Decode_InvalidMessage_RejectsWithReason(string json, string reason)
    {
        var result = _sut.Decode(Encoding.UTF8.GetBytes(json));

        Assert.False(result.IsSuccess);
        Assert.Equal(reason, result.Reason);
        Assert.False(string.IsNullOrWhiteSpace(result.Detail));
    }

    [Fact]
    public void Decode_InvalidUtf8_RejectsWithReason()
    {
        byte[] bytes = [.. "{\"id\":1,\"ts\":\"2026-11-24T12:00:00Z\",\"value\":1,\"source\":\""u8, 0xC3, 0x28, .. "\"}"u8];

        var result = _sut.Decode(bytes);

        Assert.Equal(RejectReasons.InvalidUtf8, result.Reason);
    }

    [Fact]
    public void Decode_LargerThanTheLimit_RejectsBeforeParsing()
    {
        var sut = new EventDecoder(Options.Create(new IngestOptions { MaxMessageBytes = 64 }));
        var json = "{\"id\":1,\"ts\":\"2026-11-24T12:00:00Z\",\"value\":1,\"source\":\"" + new string('x', 100) + "\"}";

        var result = sut.Decode(Encoding.UTF8.GetBytes(json));

        Assert.Equal(RejectReasons.TooLarge, result.Reason);
    }

    [Fact]
    public void Decode_SameSourceTwice_ReturnsTheSameStringInstance()
    {
        var json = Encoding.UTF8.GetBytes("""{"id":1,"ts":"2026-11-24T12:00:00Z","value":1,"source":"sim-producer"}""");

        var first = _sut.Decode(json).Event.Source;
        var second = _sut.Decode(json).Event.Source;

        Assert.Same(first, second);
    }

    [Fact]
    public void Decode_SeededMutations_NeverThrowAndAlwaysClassify()
    {
        // Arrange: truncations, byte flips and random bytes around a valid event (seed printed on failure).
        const int Seed = 20261124;
        var random = new Random(Seed);
        var valid = Encoding.UTF8.GetBytes("""{"id":4,"ts":"2026-11-24T12:00:00.5Z","value":12.25,"source":"sim-producer","extra":[1,{"a":2}]}""");
        var known = typeof(RejectReasons).GetFields().Select(f => (string)f.GetValue(null)!).ToHashSet();

        for (var i = 0; i < 5000; i++)
        {
            var input = (i % 3) switch
            {
                0 => valid[..random.Next(valid.Length)],
                1 => Flip(valid, random),
                _ => RandomBytes(random),
            };

            // Act
            var result = _sut.Decode(input);

            // Assert
            Assert.True(result.IsSuccess || known.Contains(result.Reason!), $"seed {Seed}, case {i}: unknown reason {result.Reason}");
            if (result.IsSuccess)
            {
                Assert.True(double.IsFinite(result.Event.Value) && result.Event.Id >= 0, $"seed {Seed}, case {i}");
            }
        }
    }

    private static byte[] Flip(byte[] valid, Random random)
    {
        var copy = (byte[])valid.Clone();
        for (var n = random.Next(1, 4); n > 0; n--)
        {
            copy[random.Next(copy.Length)] = (byte)random.Next(256);
        }

        return copy;
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 80)];
        random.NextBytes(bytes);
        return bytes;
    }
}
