using System.CommandLine;

namespace Pipeline.KafkaBroker.Hosting;

/// <summary>
/// The runnable broker's command line: <c>--port 9092 [--data-dir DIR] [--partitions N] [--retention-ms MS]
/// [--retention-bytes N] [--segment-bytes N]</c>. Retention flags carry Kafka's names and units (-1 = unlimited);
/// their defaults are <see cref="KafkaBrokerOptions"/>'s.
/// </summary>
internal static class BrokerCommandLine
{
    public static RootCommand Create(Func<KafkaBrokerOptions, CancellationToken, Task<int>> run)
    {
        var port = new Option<int>("--port") { Description = "Port to listen on (0 = any free port).", DefaultValueFactory = _ => 9092 };
        var host = new Option<string>("--host") { Description = "Address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var advertisedHost = new Option<string?>("--advertised-host") { Description = "Host name given to clients in metadata (default: the listen address)." };
        var advertisedPort = new Option<int?>("--advertised-port") { Description = "Port given to clients in metadata (default: the bound port)." };
        var dataDir = new Option<string?>("--data-dir") { Description = "Persist topics and committed offsets here (default: memory only)." };
        var partitions = new Option<int>("--partitions") { Description = "Partitions of auto-created topics.", DefaultValueFactory = _ => 1 };
        var noAutoCreate = new Option<bool>("--no-auto-create") { Description = "Refuse to auto-create topics on produce or metadata requests." };
        var topics = new Option<string[]>("--topic") { Description = "Create a topic at start: NAME or NAME:PARTITIONS (repeatable).", AllowMultipleArgumentsPerToken = true };
        var syncWrites = new Option<bool>("--sync-writes") { Description = "fsync every append before acknowledging it." };
        var defaults = new KafkaBrokerOptions();
        var retentionMs = new Option<long>("--retention-ms")
        {
            Description = "Delete a partition's old segments once their newest record is this old, in ms (-1 = never; Kafka's log.retention.ms).",
            DefaultValueFactory = _ => (long)defaults.Retention.TotalMilliseconds,
        };
        var retentionBytes = new Option<long>("--retention-bytes")
        {
            Description = "Delete a partition's oldest segments while it holds more than this many bytes (-1 = no limit; Kafka's log.retention.bytes).",
            DefaultValueFactory = _ => defaults.RetentionBytes,
        };
        var segmentBytes = new Option<int>("--segment-bytes")
        {
            Description = "Start a new log segment at this size; retention deletes whole segments (Kafka's log.segment.bytes).",
            DefaultValueFactory = _ => defaults.SegmentBytes,
        };
        var segmentMs = new Option<long>("--segment-ms")
        {
            Description = "Start a new log segment when the active one is this old, in ms (Kafka's log.roll.ms).",
            DefaultValueFactory = _ => (long)defaults.SegmentRoll.TotalMilliseconds,
        };
        var retentionCheckMs = new Option<long>("--retention-check-interval-ms")
        {
            Description = "How often retention looks for segments to delete, in ms (Kafka's log.retention.check.interval.ms).",
            DefaultValueFactory = _ => (long)defaults.RetentionCheckInterval.TotalMilliseconds,
        };

        var command = new RootCommand("Pipeline's embedded single-node Kafka-protocol broker (development and tests only).")
        {
            port, host, advertisedHost, advertisedPort, dataDir, partitions, noAutoCreate, topics, syncWrites,
            retentionMs, retentionBytes, segmentBytes, segmentMs, retentionCheckMs,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var options = new KafkaBrokerOptions
            {
                Port = result.GetValue(port),
                Host = result.GetValue(host)!,
                AdvertisedHost = result.GetValue(advertisedHost),
                AdvertisedPort = result.GetValue(advertisedPort),
                DataDirectory = result.GetValue(dataDir),
                DefaultPartitions = result.GetValue(partitions),
                AutoCreateTopics = !result.GetValue(noAutoCreate),
                SyncWrites = result.GetValue(syncWrites),
                Retention = TimeSpan.FromMilliseconds(result.GetValue(retentionMs)),
                RetentionBytes = result.GetValue(retentionBytes),
                SegmentBytes = result.GetValue(segmentBytes),
                SegmentRoll = TimeSpan.FromMilliseconds(result.GetValue(segmentMs)),
                RetentionCheckInterval = TimeSpan.FromMilliseconds(result.GetValue(retentionCheckMs)),
            };
            foreach (var topic in result.GetValue(topics) ?? [])
            {
                var parts = topic.Split(':', 2);
                options.SeedTopics[parts[0]] = parts.Length == 2 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : 0;
            }

            return run(options, cancellationToken);
        });
        return command;
    }
}
