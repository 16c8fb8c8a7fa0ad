using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Storage;

/// <summary>
/// Every topic of the broker. Creation and deletion are serialised; lookups are lock-free. With a data
/// directory, topics live under <c>&lt;data&gt;/topics/&lt;name&gt;/</c> (<c>topic.json</c> and one folder per
/// partition) and are loaded at start.
/// </summary>
internal sealed class TopicRegistry : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, TopicLog> _topics = new(StringComparer.Ordinal);
    private readonly Lock _changes = new();
    private readonly KafkaBrokerOptions _options;
    private readonly string? _topicsDirectory;
    private readonly ILogger _logger;
    private readonly LogSettings _logSettings;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _producerIds = new();
    private readonly string? _dataDirectory;
    private long _nextProducerId;

    private TopicRegistry(KafkaBrokerOptions options, TimeProvider timeProvider, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _timeProvider = timeProvider;
        _logSettings = LogSettings.From(options);
        _dataDirectory = options.DataDirectory is null ? null : Path.GetFullPath(options.DataDirectory);
        _topicsDirectory = _dataDirectory is null ? null : Path.Combine(_dataDirectory, "topics");
    }

    public static Task<TopicRegistry> OpenAsync(
        KafkaBrokerOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var registry = new TopicRegistry(options, timeProvider, loggerFactory.CreateLogger("Pipeline.KafkaBroker.Storage"));
        registry.Load(cancellationToken);
        foreach (var (name, partitions) in options.SeedTopics)
        {
            var (error, message) = registry.Create(name, partitions > 0 ? partitions : options.DefaultPartitions, configs: null, validateOnly: false);
            if (error is not (ErrorCode.None or ErrorCode.TopicAlreadyExists))
            {
                throw new InvalidOperationException($"Seed topic '{name}': {message}");
            }
        }

        return Task.FromResult(registry);
    }

    public bool TryGet(string name, out TopicLog topic) => _topics.TryGetValue(name, out topic!);

    /// <summary>Every topic, sorted by name.</summary>
    public IReadOnlyList<TopicLog> Snapshot()
    {
        var list = _topics.Values.ToList();
        list.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return list;
    }

    /// <summary>The topic, created with the default partition count when auto-creation is allowed by both sides.</summary>
    public TopicLog? GetOrAutoCreate(string name, bool clientAllows)
    {
        if (_topics.TryGetValue(name, out var topic))
        {
            return topic;
        }

        if (!clientAllows || !_options.AutoCreateTopics || ValidateName(name) is not null)
        {
            return null;
        }

        Create(name, _options.DefaultPartitions, configs: null, validateOnly: false);
        return _topics.GetValueOrDefault(name);
    }

    public (ErrorCode Error, string? Message) Create(string name, int partitions, IReadOnlyDictionary<string, string?>? configs, bool validateOnly)
    {
        if (ValidateName(name) is { } invalid)
        {
            return (ErrorCode.InvalidTopicException, invalid);
        }

        if (partitions < 1 || partitions > 100_000)
        {
            return (ErrorCode.InvalidPartitions, $"Number of partitions must be between 1 and 100000 (was {partitions}).");
        }

        if (configs is not null && LogSettings.ForTopic(_options, configs, out var invalidConfig) is null)
        {
            return (ErrorCode.InvalidConfig, invalidConfig);
        }

        lock (_changes)
        {
            if (_topics.ContainsKey(name))
            {
                return (ErrorCode.TopicAlreadyExists, $"Topic '{name}' already exists.");
            }

            if (validateOnly)
            {
                return (ErrorCode.None, null);
            }

            var metadata = new TopicMetadataFile(name, Guid.NewGuid(), partitions, configs is null ? [] : new Dictionary<string, string?>(configs));
            string? directory = null;
            if (_topicsDirectory is not null)
            {
                directory = Path.Combine(_topicsDirectory, name);
                Directory.CreateDirectory(directory);
                metadata.Write(directory);
            }

            _topics[name] = OpenTopic(metadata, directory);
            Log.TopicCreated(_logger, name, partitions);
            return (ErrorCode.None, null);
        }
    }

    public ErrorCode Delete(string name)
    {
        lock (_changes)
        {
            if (!_topics.TryRemove(name, out var topic))
            {
                return ErrorCode.UnknownTopicOrPartition;
            }

            topic.Dispose();
            if (topic.Directory is not null)
            {
                Directory.Delete(topic.Directory, recursive: true);
            }

            Log.TopicDeleted(_logger, name);
            return ErrorCode.None;
        }
    }

    /// <summary>
    /// A producer id never handed out before, also across restarts: above every one in the logs and the last one
    /// persisted (<see cref="ProducerIdFile"/>), which retention cannot delete.
    /// </summary>
    public long AllocateProducerId()
    {
        lock (_producerIds)
        {
            var id = ++_nextProducerId;
            if (_dataDirectory is not null)
            {
                ProducerIdFile.Write(_dataDirectory, id);
            }

            return id;
        }
    }

    public ValueTask DisposeAsync()
    {
        foreach (var topic in _topics.Values)
        {
            topic.Dispose();
        }

        _topics.Clear();
        return ValueTask.CompletedTask;
    }

    /// <summary>Kafka's rule (<see cref="TopicNameRule"/>); null when <paramref name="name"/> follows it.</summary>
    public static string? ValidateName(string? name) =>
        TopicNameRule.Validate(name) is { } problem ? $"Topic name {problem}." : null;

    private TopicLog OpenTopic(TopicMetadataFile metadata, string? directory)
    {
        // A config that no longer parses (an edited topic.json) falls back to the broker's settings rather than losing the topic.
        var settings = LogSettings.ForTopic(_options, metadata.Configs, out _) ?? _logSettings;
        var partitions = new PartitionLog[metadata.Partitions];
        for (var i = 0; i < partitions.Length; i++)
        {
            partitions[i] = directory is null
                ? PartitionLog.CreateInMemory(i, settings, _timeProvider)
                : PartitionLog.Open(i, Path.Combine(directory, i.ToString(CultureInfo.InvariantCulture)), settings, _timeProvider, _logger);
            lock (_producerIds)
            {
                _nextProducerId = Math.Max(_nextProducerId, partitions[i].MaxProducerId);
            }
        }

        return new TopicLog(metadata.Name, metadata.Id, partitions, metadata.Configs, directory);
    }

    private void Load(CancellationToken cancellationToken)
    {
        if (_dataDirectory is not null)
        {
            _nextProducerId = ProducerIdFile.Read(_dataDirectory);
        }

        if (_topicsDirectory is null || !Directory.Exists(_topicsDirectory))
        {
            return;
        }

        foreach (var directory in Directory.GetDirectories(_topicsDirectory))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!File.Exists(Path.Combine(directory, TopicMetadataFile.FileName)))
            {
                continue; // a creation interrupted before its metadata landed
            }

            var metadata = TopicMetadataFile.Read(directory);
            _topics[metadata.Name] = OpenTopic(metadata, directory);
            Log.TopicLoaded(_logger, metadata.Name, metadata.Partitions, _topics[metadata.Name].Partitions.Sum(p => p.HighWatermark - p.LogStartOffset));
        }
    }
}
