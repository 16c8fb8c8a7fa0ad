using Pipeline.StreamProcessor.Ingest;

namespace Pipeline.StreamProcessor.Sinks;

/// <summary>
/// The column buffers of one id inside one <see cref="RawEventBatch"/>: one array per Parquet column, grown by
/// doubling. The arrays are kept when the object is reused for the next batch, so in steady state adding a row
/// allocates nothing. They are plain arrays, not rented: the lane keeps them for its life anyway, and a pool would
/// keep every smaller array the doubling left behind (as much again as the final size), where the GC frees them.
/// Strings are kept as references to the decoder's interned strings (8 bytes a row; as
/// <c>ReadOnlyMemory&lt;char&gt;?</c>, the form Parquet.Net also takes, they cost 24, and 40% more buffer per row).
/// </summary>
internal sealed class RawEventColumns
{
    private const int InitialCapacity = 256;

    private DateTime[] _timestamps = [];
    private double[] _values = [];
    private string?[] _sources = [];
    private string?[] _keys = [];
    private long[] _offsets = [];
    private DateTime[] _kafkaTimestamps = [];
    private int _capacity;

    public int Id { get; private set; }

    /// <summary>Rows the arrays hold before they grow.</summary>
    public int Capacity => _capacity;

    public int Count { get; private set; }

    public ReadOnlyMemory<DateTime> Timestamps => _timestamps.AsMemory(0, Count);

    public ReadOnlyMemory<double> Values => _values.AsMemory(0, Count);

    public ArraySegment<string?> Sources => new(_sources, 0, Count);

    public ArraySegment<string?> Keys => new(_keys, 0, Count);

    public ReadOnlyMemory<long> Offsets => _offsets.AsMemory(0, Count);

    public ReadOnlyMemory<DateTime> KafkaTimestamps => _kafkaTimestamps.AsMemory(0, Count);

    /// <summary>Empty columns whose arrays already hold <paramref name="capacity"/> rows.</summary>
    public static RawEventColumns WithCapacity(int capacity)
    {
        var columns = new RawEventColumns();
        if (capacity > 0)
        {
            columns.Resize(capacity);
        }

        return columns;
    }

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
        _sources[i] = e.Source;
        _keys[i] = key;
        _offsets[i] = offset;
        _kafkaTimestamps[i] = kafkaTimestampUtc;
        Count = i + 1;
    }

    private void Grow() => Resize(Math.Max(InitialCapacity, _capacity * 2));

    private void Resize(int capacity)
    {
        Resize(ref _timestamps, capacity, Count);
        Resize(ref _values, capacity, Count);
        Resize(ref _sources, capacity, Count);
        Resize(ref _keys, capacity, Count);
        Resize(ref _offsets, capacity, Count);
        Resize(ref _kafkaTimestamps, capacity, Count);
        _capacity = capacity;
    }

    private static void Resize<T>(ref T[] array, int capacity, int count)
    {
        // Uninitialized where the GC allows it (no references): every slot is written before it is read.
        T[] larger = GC.AllocateUninitializedArray<T>(capacity);
        Array.Copy(array, larger, count);
        array = larger;
    }
}
