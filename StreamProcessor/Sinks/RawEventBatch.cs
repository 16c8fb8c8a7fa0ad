using Pipeline.StreamProcessor.Ingest;

namespace Pipeline.StreamProcessor.Sinks;

/// <summary>
/// The raw events of one batch of one partition, buffered column by column per id (one output file per id).
/// Reusable: <see cref="Clear"/> keeps the per-id column objects and their arrays for the next batch,
/// so steady-state buffering allocates nothing per event.
/// Not thread-safe: one lane owns it.
/// </summary>
internal sealed class RawEventBatch
{
    private readonly Dictionary<int, RawEventColumns> _byId = [];
    private readonly Stack<RawEventColumns> _spare = new();

    /// <summary>Rows in the batch, over all ids.</summary>
    public int Count { get; private set; }

    /// <summary>How many ids (output files) the batch holds.</summary>
    public int IdCount => _byId.Count;

    /// <summary>The smallest Kafka offset added, or <c>null</c> when empty.</summary>
    public long? MinOffset { get; private set; }

    /// <summary>The columns of each id, in no particular order.</summary>
    public Dictionary<int, RawEventColumns>.ValueCollection Columns => _byId.Values;

    public void Add(in SensorEvent e, string? key, long offset, DateTime kafkaTimestampUtc)
    {
        if (!_byId.TryGetValue(e.Id, out RawEventColumns? columns))
        {
            columns = _spare.Count > 0 ? _spare.Pop() : new RawEventColumns();
            columns.Start(e.Id);
            _byId.Add(e.Id, columns);
        }

        columns.Add(e, key, offset, kafkaTimestampUtc);
        Count++;
        if (MinOffset is not { } min || offset < min)
        {
            MinOffset = offset;
        }
    }

    public void Clear()
    {
        foreach (RawEventColumns columns in _byId.Values)
        {
            columns.Reset();
            _spare.Push(columns);
        }

        _byId.Clear();
        Count = 0;
        MinOffset = null;
    }
}
