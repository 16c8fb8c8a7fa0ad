using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Pipeline.KafkaBroker;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.StreamProcessor;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Extensions;
using Pipeline.StreamProcessor.Sinks;

namespace Pipeline.Benchmarks.Pipeline;

/// <summary>
/// What the runs through the broker share: the embedded broker with the benchmark topic, the real StreamProcessor
/// service composed by its own <c>AddStreamProcessor</c>, the benchmark producer's settings, and the checkpoints
/// (the processor's commits) read back.
/// </summary>
internal static class ThroughBroker
{
    public const string Topic = "bench-events";

    public static async Task<KafkaBrokerServer> StartBrokerAsync(int partitions, CancellationToken cancellationToken)
    {
        var broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0, DefaultPartitions = partitions },
            cancellationToken: cancellationToken);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = Topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
        return broker;
    }

    /// <summary>
    /// The service, consuming <see cref="Topic"/> and writing under <paramref name="outputPath"/>; <paramref name="settings"/>
    /// override its configuration (e.g. <c>SinkOptions.TriggerInterval</c>), and <paramref name="configureHost"/> runs on
    /// the builder before <c>AddStreamProcessor</c>.
    /// </summary>
    public static WebApplication BuildProcessor(string bootstrapServers, string outputPath, string runId,
        IReadOnlyDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configureHost = null)
    {
        Directory.CreateDirectory(outputPath);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = outputPath });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = bootstrapServers,
            [$"{ProcessorOptions.SectionName}:{nameof(ProcessorOptions.Topic)}"] = Topic,
            [$"{SinkOptions.SectionName}:{nameof(SinkOptions.OutputPath)}"] = outputPath,
            [$"{SinkOptions.SectionName}:{nameof(SinkOptions.RunId)}"] = runId,
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        configureHost?.Invoke(builder);
        builder.AddStreamProcessor();
        return builder.Build();
    }

    /// <summary>The benchmark producer: the pipeline's idempotent settings with large batches and LZ4.</summary>
    public static ProducerConfig ProducerConfig(string bootstrapServers)
    {
        var config = KafkaProducing.IdempotentConfig(bootstrapServers);
        config.BatchSize = 1_000_000;
        config.BatchNumMessages = 100_000;
        config.QueueBufferingMaxMessages = 100_000;
        config.CompressionType = CompressionType.Lz4;
        return config;
    }

    /// <summary>Each partition's next offset to process as the processor's checkpoints say (0 before its first commit).</summary>
    public static async Task CommittedAsync(CheckpointStore store, long[] nextOffsets, CancellationToken cancellationToken)
    {
        for (var p = 0; p < nextOffsets.Length; p++)
        {
            nextOffsets[p] = Math.Max(0, (await store.LoadAsync(Topic, p, cancellationToken))?.NextOffset ?? 0);
        }
    }
}
