namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// Aggregation by id is complete inside a partition only because the producer keys by id. An id
/// seen in two partitions breaks that promise: this notices it (once per id) so it is reported.
/// </summary>
internal sealed class KeyOwnership
{
    private readonly Dictionary<int, int> _partitionById = [];
    private readonly HashSet<(int Id, int Partition)> _reported = [];

    /// <summary>
    /// True when the id was first seen in another partition (<paramref name="owner"/>) and this
    /// pair was not reported before; every such event is still counted by the caller.
    /// </summary>
    public bool IsConflict(int id, int partition, out int owner, out bool firstReport)
    {
        firstReport = false;
        if (_partitionById.TryGetValue(id, out owner))
        {
            if (owner == partition)
            {
                return false;
            }

            firstReport = _reported.Add((id, partition));
            return true;
        }

        _partitionById[id] = partition;
        owner = partition;
        return false;
    }

    /// <summary>Forgets a partition's ids when it is revoked (another member owns them now).</summary>
    public void Release(int partition)
    {
        List<int>? released = null;
        foreach (var (id, owner) in _partitionById)
        {
            if (owner == partition)
            {
                (released ??= []).Add(id);
            }
        }

        foreach (var id in released ?? [])
        {
            _partitionById.Remove(id);
        }
    }
}
