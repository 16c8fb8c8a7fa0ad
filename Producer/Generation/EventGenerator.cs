using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Pipeline.Producer.Generation;

/// <summary>
/// Generates the simulated events <c>{"id","ts","value","source"}</c>: ids cycle through
/// 0..IdCount-1, values are uniform in [0, 100] with two decimals from a seeded generator, so a
/// seed reproduces the same sequence of ids and values.
/// </summary>
internal sealed class EventGenerator
{
    private readonly Random _random;
    private readonly int _idCount;
    private readonly JsonEncodedText _source;
    private readonly string[] _keys;
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Utf8JsonWriter _json;
    private long _sequence;

    public EventGenerator(int seed, int idCount, string source)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(idCount, 1);
        _random = new Random(seed);
        _idCount = idCount;
        _source = JsonEncodedText.Encode(source);
        _keys = new string[idCount];
        for (var i = 0; i < idCount; i++)
        {
            _keys[i] = i.ToString(CultureInfo.InvariantCulture);
        }

        _json = new Utf8JsonWriter(_buffer);
    }

    /// <summary>The next event at <paramref name="timestamp"/>: its key (the id) and JSON bytes.</summary>
    public GeneratedEvent Next(DateTimeOffset timestamp)
    {
        var id = (int)(_sequence++ % _idCount);
        var value = Math.Round(_random.NextDouble() * 100, 2);
        _buffer.ResetWrittenCount();
        _json.Reset();
        _json.WriteStartObject();
        _json.WriteNumber("id", id);
        _json.WriteString("ts", timestamp.UtcDateTime);
        _json.WriteNumber("value", value);
        _json.WriteString("source", _source);
        _json.WriteEndObject();
        _json.Flush();
        return new GeneratedEvent(id, _keys[id], value, timestamp, _buffer.WrittenSpan.ToArray());
    }
}

/// <summary>One generated event; <see cref="Json"/> is the message value.</summary>
internal readonly record struct GeneratedEvent(int Id, string Key, double Value, DateTimeOffset Timestamp, byte[] Json);
