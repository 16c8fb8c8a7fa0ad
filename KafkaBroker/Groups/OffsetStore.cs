using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.KafkaBroker.Groups;

/// <summary>
/// Committed offsets by (group, topic, partition). With a data directory every commit is appended to
/// <c>&lt;data&gt;/__consumer_offsets/commits.log</c> (one JSON line each) before it is acknowledged;
/// at start the log is replayed and rewritten with only the latest value per key.
/// </summary>
internal sealed class OffsetStore : IDisposable
{
    private const string FileName = "commits.log";
    private readonly Dictionary<(string Group, string Topic, int Partition), CommittedOffset> _offsets = [];
    private readonly Lock _lock = new();
    private readonly FileStream? _log;

    public OffsetStore(string? dataDirectory)
    {
        if (dataDirectory is null)
        {
            return;
        }

        var directory = Path.Combine(Path.GetFullPath(dataDirectory), "__consumer_offsets");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                // A line torn by a crash was never acknowledged: skip it.
                if (TryParse(line) is { } record)
                {
                    _offsets[(record.Group, record.Topic, record.Partition)] = new CommittedOffset(record.Offset, record.LeaderEpoch, record.Metadata);
                }
            }
        }

        var compacted = path + ".compact";
        using (var writer = new StreamWriter(compacted, append: false, new UTF8Encoding(false)))
        {
            foreach (var ((group, topic, partition), offset) in _offsets)
            {
                writer.WriteLine(Serialize(new CommitRecord(group, topic, partition, offset.Offset, offset.LeaderEpoch, offset.Metadata)));
            }
        }

        File.Move(compacted, path, overwrite: true);
        _log = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
    }

    public void Commit(string group, IReadOnlyList<(string Topic, int Partition, CommittedOffset Offset)> commits)
    {
        lock (_lock)
        {
            if (_log is not null)
            {
                var text = new StringBuilder();
                foreach (var (topic, partition, offset) in commits)
                {
                    text.Append(Serialize(new CommitRecord(group, topic, partition, offset.Offset, offset.LeaderEpoch, offset.Metadata))).Append('\n');
                }

                _log.Write(Encoding.UTF8.GetBytes(text.ToString()));
            }

            foreach (var (topic, partition, offset) in commits)
            {
                _offsets[(group, topic, partition)] = offset;
            }
        }
    }

    public CommittedOffset? Get(string group, string topic, int partition)
    {
        lock (_lock)
        {
            return _offsets.TryGetValue((group, topic, partition), out var offset) ? offset : null;
        }
    }

    /// <summary>Every committed partition of a group (OffsetFetch with all topics).</summary>
    public List<(string Topic, int Partition, CommittedOffset Offset)> ForGroup(string group)
    {
        lock (_lock)
        {
            var result = new List<(string, int, CommittedOffset)>();
            foreach (var ((g, topic, partition), offset) in _offsets)
            {
                if (g == group)
                {
                    result.Add((topic, partition, offset));
                }
            }

            return result;
        }
    }

    public bool HasOffsets(string group)
    {
        lock (_lock)
        {
            return _offsets.Keys.Any(k => k.Group == group);
        }
    }

    public void Dispose() => _log?.Dispose();

    private static string Serialize(CommitRecord record) => JsonSerializer.Serialize(record, OffsetJsonContext.Default.CommitRecord);

    private static CommitRecord? TryParse(string line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, OffsetJsonContext.Default.CommitRecord);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

internal readonly record struct CommittedOffset(long Offset, int LeaderEpoch, string? Metadata);

internal sealed record CommitRecord(string Group, string Topic, int Partition, long Offset, int LeaderEpoch, string? Metadata);

[JsonSerializable(typeof(CommitRecord))]
internal sealed partial class OffsetJsonContext : JsonSerializerContext;
