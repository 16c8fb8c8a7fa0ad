using System.Text;
using Pipeline.Producer.Generation;

namespace Pipeline.Benchmarks.Pipeline;

/// <summary>
/// Pre-generated events in one contiguous buffer (the producer's own generator, seeded), so the
/// measured loop only reads bytes. Event time advances by a fixed step, <see cref="EventsPerSecond"/>
/// events per second of event time.
/// </summary>
internal sealed class EventCorpus
{
    public const int EventsPerSecond = 10_000;
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly byte[] _bytes;
    private readonly int[] _offsets;

    private EventCorpus(byte[] bytes, int[] offsets, string[] keys, long firstIndex)
    {
        _bytes = bytes;
        _offsets = offsets;
        Keys = keys;
        FirstIndex = firstIndex;
    }

    public int Count => _offsets.Length - 1;

    public long FirstIndex { get; }

    public string[] Keys { get; }

    public long TotalBytes => _offsets[^1];

    public ReadOnlySpan<byte> Event(int i) => _bytes.AsSpan(_offsets[i], _offsets[i + 1] - _offsets[i]);

    public byte[] EventArray(int i) => Event(i).ToArray();

    public static DateTimeOffset EventTime(long index) => Start.AddTicks(index * (TimeSpan.TicksPerSecond / EventsPerSecond));

    /// <summary>Events <paramref name="firstIndex"/> .. firstIndex + count − 1 of the seeded stream.</summary>
    public static EventCorpus Generate(long firstIndex, int count, int seed = 42)
    {
        var generator = new EventGenerator(seed + (int)(firstIndex % int.MaxValue), idCount: 10, source: "sim-producer");
        var offsets = new int[count + 1];
        // One buffer, grown rarely and never copied at the end: the corpus is the runs' input, and a transient second
        // copy would sit in every fresh process's peak working set.
        var bytes = GC.AllocateUninitializedArray<byte>(count * 80);
        var keys = new string[count];
        var length = 0;
        for (var i = 0; i < count; i++)
        {
            var generated = generator.Next(EventTime(firstIndex + i));
            if (length + generated.Json.Length > bytes.Length)
            {
                Array.Resize(ref bytes, Math.Max(bytes.Length + bytes.Length / 8, length + generated.Json.Length));
            }

            offsets[i] = length;
            generated.Json.CopyTo(bytes, length);
            length += generated.Json.Length;
            keys[i] = generated.Key;
        }

        offsets[count] = length;
        return new EventCorpus(bytes, offsets, keys, firstIndex);
    }

    /// <summary>Writes the events as NDJSON (one per line) for the batch peer.</summary>
    public void WriteNdjson(Stream destination)
    {
        for (var i = 0; i < Count; i++)
        {
            destination.Write(Event(i));
            destination.WriteByte((byte)'\n');
        }
    }

    public override string ToString() => Encoding.UTF8.GetString(Event(0));
}
