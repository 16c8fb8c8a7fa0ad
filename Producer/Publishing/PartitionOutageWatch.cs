using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Pipeline.Producer.Publishing;

/// <summary>
/// Notices a partial outage: some partition of the topic has messages waiting while its leader's broker is not up,
/// and other brokers are. librdkafka reports no error for it (it only says when every broker is down, which
/// <c>KafkaClientMonitor</c> logs), and with an unlimited <c>message.timeout.ms</c> no delivery fails either, so the
/// client's statistics (<c>statistics.interval.ms</c>) are what can tell. Warned once per outage, and its end once;
/// a partition must look unreachable in two samples in a row, so a reconnect in progress is not an outage.
/// </summary>
internal sealed class PartitionOutageWatch(IOptions<ProducerOptions> options, ILogger<PartitionOutageWatch> logger)
{
    private readonly string _topic = options.Value.Topic;
    private readonly Lock _gate = new();
    private HashSet<int> _previous = [];
    private string? _outage;

    /// <summary>What is unreachable right now (partitions, leaders, waiting messages), or null.</summary>
    public string? CurrentOutage
    {
        get
        {
            lock (_gate)
            {
                return _outage;
            }
        }
    }

    /// <summary>One statistics sample, as librdkafka's statistics handler receives it (on the client's poll thread).</summary>
    public void Observe(string statisticsJson)
    {
        var unreachable = Unreachable(statisticsJson, _topic);
        lock (_gate)
        {
            var lasting = unreachable.Where(u => _previous.Contains(u.Partition)).OrderBy(u => u.Partition).ToList();
            _previous = [.. unreachable.Select(u => u.Partition)];
            if (lasting.Count > 0 && _outage is null)
            {
                _outage = string.Join("; ", lasting.Select(u => u.Detail));
                Log.PartialOutage(logger, _outage);
            }
            else if (lasting.Count == 0 && unreachable.Count == 0 && _outage is not null)
            {
                _outage = null;
                Log.PartialOutageOver(logger, _topic);
            }
        }
    }

    /// <summary>
    /// Partitions of <paramref name="topic"/> with messages queued whose leader is unknown or not <c>UP</c>, while at
    /// least one broker is (with every broker down it is a full outage, reported elsewhere).
    /// </summary>
    private static List<(int Partition, string Detail)> Unreachable(string json, string topic)
    {
        var found = new List<(int, string)>();
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (!root.TryGetProperty("brokers", out var brokers) || !root.TryGetProperty("topics", out var topics) ||
            !topics.TryGetProperty(topic, out var topicStats) || !topicStats.TryGetProperty("partitions", out var partitions))
        {
            return found;
        }

        var states = new Dictionary<int, (string Name, string State)>();
        foreach (var broker in brokers.EnumerateObject())
        {
            var id = broker.Value.GetProperty("nodeid").GetInt32();
            if (id >= 0)
            {
                states[id] = (broker.Value.GetProperty("nodename").GetString() ?? broker.Name, broker.Value.GetProperty("state").GetString() ?? "?");
            }
        }

        if (!states.Values.Any(s => s.State == "UP"))
        {
            return found;
        }

        foreach (var partition in partitions.EnumerateObject())
        {
            var stats = partition.Value;
            var id = stats.GetProperty("partition").GetInt32();
            var waiting = stats.GetProperty("msgq_cnt").GetInt64() + stats.GetProperty("xmit_msgq_cnt").GetInt64();
            if (id < 0 || waiting == 0)
            {
                continue;
            }

            var leader = stats.GetProperty("leader").GetInt32();
            if (leader < 0)
            {
                found.Add((id, string.Create(CultureInfo.InvariantCulture, $"{topic}[{id}] has no leader ({waiting} messages waiting)")));
            }
            else if (!states.TryGetValue(leader, out var state))
            {
                // A broker whose connections are refused can be missing from the statistics' broker list altogether.
                found.Add((id, string.Create(CultureInfo.InvariantCulture,
                    $"{topic}[{id}]: leader broker {leader} is unreachable (not connected; {waiting} messages waiting)")));
            }
            else if (state.State != "UP")
            {
                found.Add((id, string.Create(CultureInfo.InvariantCulture,
                    $"{topic}[{id}]: leader broker {leader} at {state.Name} is unreachable ({state.State}; {waiting} messages waiting)")));
            }
        }

        return found;
    }
}
