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
    // Columns of an earlier batch, by the id they held: the same id takes its own back (its arrays sized for it).
    private readonly Dictionary<int, RawEventColumns> _spare = [];

    /// <summary>Rows in the batch, over all ids.</summary>
    public int Count { get; private set; }

    /// <summary>How many ids (output files) the batch holds.</summary>
    public int IdCount => _byId.Count;

    /// <summary>The smallest Kafka offset added, or <c>null</c> when empty.</summary>
    public long? MinOffset { get; private set; }

    /// <summary>The columns of each id, in no particular order.</summary>
    public Dictionary<int, RawEventColumns>.ValueCollection Columns => _byId.Values;

    /// <summary>
    /// A new, empty batch whose spare columns already have the capacities of <paramref name="model"/>'s: the batch
    /// that follows a sealed one holds about as many rows per id, and growing to them by doubling would leave as
    /// much memory again behind as garbage.
    /// </summary>
    public static RawEventBatch SizedLike(RawEventBatch model)
    {
        var batch = new RawEventBatch();
        foreach (RawEventColumns columns in model._byId.Values)
        {
            batch._spare.Add(columns.Id, RawEventColumns.WithCapacity(columns.Capacity));
        }

        return batch;
    }

    public void Add(in SensorEvent e, string? key, long offset, DateTime kafkaTimestampUtc)
    {
        if (!_byId.TryGetValue(e.Id, out RawEventColumns? columns))
        {
            columns = TakeSpare(e.Id) ?? new RawEventColumns();
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

    /// <summary>The spare columns of <paramref name="id"/>, else any spare ones, else null.</summary>
    private RawEventColumns? TakeSpare(int id)
    {
        if (_spare.Remove(id, out RawEventColumns? own))
        {
            return own;
        }

        foreach ((int spareId, RawEventColumns columns) in _spare)
        {
            _spare.Remove(spareId);
            return columns;
        }

        return null;
    }

    public void Clear()
    {
        foreach (RawEventColumns columns in _byId.Values)
        {
            columns.Reset();
            _spare[columns.Id] = columns;
        }

        _byId.Clear();
        Count = 0;
        MinOffset = null;
    }
}
