namespace Pipeline.KafkaBroker.Storage;

/// <summary>A topic: its id, configs and one log per partition.</summary>
internal sealed class TopicLog(string name, Guid id, IReadOnlyList<PartitionLog> partitions, IReadOnlyDictionary<string, string?> configs, string? directory)
    : IDisposable
{
    public string Name { get; } = name;

    public Guid Id { get; } = id;

    public IReadOnlyList<PartitionLog> Partitions { get; } = partitions;

    public IReadOnlyDictionary<string, string?> Configs { get; } = configs;

    /// <summary>Where the topic persists; null in memory.</summary>
    public string? Directory { get; } = directory;

    public PartitionLog? Partition(int index) => (uint)index < (uint)Partitions.Count ? Partitions[index] : null;

    public void Dispose()
    {
        foreach (var partition in Partitions)
        {
            partition.Dispose();
        }
    }
}
