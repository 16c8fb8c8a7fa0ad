using System.Buffers;
using Pipeline.StreamProcessor.Ingest;

namespace Pipeline.StreamProcessor.Sinks;

/// <summary>
/// The column buffers of one id inside one <see cref="RawEventBatch"/>: one array per Parquet column,
/// rented from <see cref="ArrayPool{T}"/> and grown by doubling. The arrays are kept when the object is
/// reused for the next batch, so in steady state adding a row allocates nothing.
/// Strings are kept as <see cref="ReadOnlyMemory{T}"/> of the decoder's strings, the form Parquet.Net
/// writes without copying.
/// </summary>
internal sealed class RawEventColumns
{
    private const int InitialCapacity = 256;

    private DateTime[] _timestamps = [];
    private double[] _values = [];
    private ReadOnlyMemory<char>?[] _sources = [];
    private ReadOnlyMemory<char>?[] _keys = [];
    private long[] _offsets = [];
    private DateTime[] _kafkaTimestamps = [];
    private int _capacity;

    public int Id { get; private set; }

    public int Count { get; private set; }

    public ReadOnlyMemory<DateTime> Timestamps => _timestamps.AsMemory(0, Count);

    public ReadOnlyMemory<double> Values => _values.AsMemory(0, Count);

    public ReadOnlyMemory<ReadOnlyMemory<char>?> Sources => _sources.AsMemory(0, Count);

    public ReadOnlyMemory<ReadOnlyMemory<char>?> Keys => _keys.AsMemory(0, Count);

    public ReadOnlyMemory<long> Offsets => _offsets.AsMemory(0, Count);

    public ReadOnlyMemory<DateTime> KafkaTimestamps => _kafkaTimestamps.AsMemory(0, Count);

    /// <summary>Assigns empty columns to an id for the current batch.</summary>
    public void Start(int id)
    {
        Reset();
        Id = id;
    }

    /// <summary>Empties the columns, keeping the arrays for the next batch.</summary>
    public void Reset()
    {
        // Drop the batch's strings so the kept arrays do not hold them alive.
        Array.Clear(_sources, 0, Count);
        Array.Clear(_keys, 0, Count);
        Count = 0;
    }

    public void Add(in SensorEvent e, string? key, long offset, DateTime kafkaTimestampUtc)
    {
        if (Count == _capacity)
        {
            Grow();
        }

        int i = Count;
        _timestamps[i] = e.Timestamp;
        _values[i] = e.Value;
        _sources[i] = e.Source?.AsMemory();
        _keys[i] = key?.AsMemory();
        _offsets[i] = offset;
        _kafkaTimestamps[i] = kafkaTimestampUtc;
        Count = i + 1;
    }

    /// <summary>Gives every array back to the pool (when the owning batch is disposed).</summary>
    public void ReturnArrays()
    {
        Return(ref _timestamps, clear: false);
        Return(ref _values, clear: false);
        // Cleared so the pool does not keep the batch's strings alive.
        Return(ref _sources, clear: true);
        Return(ref _keys, clear: true);
        Return(ref _offsets, clear: false);
        Return(ref _kafkaTimestamps, clear: false);
        _capacity = 0;
        Count = 0;
    }

    private void Grow()
    {
        int capacity = Math.Max(InitialCapacity, _capacity * 2);
        Resize(ref _timestamps, capacity, Count, clear: false);
        Resize(ref _values, capacity, Count, clear: false);
        Resize(ref _sources, capacity, Count, clear: true);
        Resize(ref _keys, capacity, Count, clear: true);
        Resize(ref _offsets, capacity, Count, clear: false);
        Resize(ref _kafkaTimestamps, capacity, Count, clear: false);
        _capacity = capacity;
    }

    private static void Resize<T>(ref T[] array, int capacity, int count, bool clear)
    {
        T[] larger = ArrayPool<T>.Shared.Rent(capacity);
        Array.Copy(array, larger, count);
        Return(ref array, clear);
        array = larger;
    }

    private static void Return<T>(ref T[] array, bool clear)
    {
        if (array.Length > 0)
        {
            ArrayPool<T>.Shared.Return(array, clear);
        }

        array = [];
    }
}
