using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.StreamProcessor.Ingest;
using Pipeline.StreamProcessor.Processing;
using Pipeline.StreamProcessor.Telemetry;

namespace Pipeline.StreamProcessor.Kafka;

/// <summary>
/// Kafka's side of the <see cref="ProcessingEngine"/>: the consumer is its <see cref="IMessageSource"/> (<see cref="KafkaMessageSource"/>).
/// <c>Consume</c> feeds it messages (and runs the rebalance callbacks, which become the engine's
/// assign/revoke/lose in the same flow), commit hints become <c>consumer.StoreOffset</c> (committed in the
/// background), a failing sink pauses the assignment (or one partition), and the <see cref="PartitionProber"/> asks
/// the assigned partitions' leaders for their offsets beside the engine. Fatal errors escape <see cref="ExecuteAsync"/>
/// and stop the host.
/// </summary>
internal sealed class StreamProcessorWorker(
    KafkaConsumerFactory<string?, DecodedValue> consumers,
    ProcessingEngine engine,
    TopicGuard topics,
    PartitionProber prober,
    ProcessorTelemetry telemetry,
    IOptions<ProcessorOptions> processorOptions,
    TimeProvider timeProvider,
    ILogger<StreamProcessorWorker> logger) : BackgroundService
{
    private readonly ProcessorOptions _options = processorOptions.Value;
    private IConsumer<string?, DecodedValue>? _consumer;

    /// <summary>Lanes currently assigned (a snapshot, safe from any thread).</summary>
    internal IReadOnlyList<PartitionLane> Lanes => engine.Lanes;

    /// <summary>
    /// Refuses a run written with other window settings before anything is consumed or written; the host's
    /// start fails with <see cref="RunSettingsMismatchException"/>.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await engine.PrepareAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await KafkaReadiness.WaitForBrokerAsync(consumers.Config, _options.StartupBackoff, TimeSpan.FromSeconds(30), timeProvider, logger, stoppingToken);
        await topics.EnsureAsync(stoppingToken);
        RegisterGauges();
        using var consumer = consumers.Create(builder => builder
            .SetPartitionsAssignedHandler(OnAssigned)
            .SetPartitionsRevokedHandler((_, partitions) => WaitFor(engine.RevokeAsync(PartitionsOf(partitions))))
            .SetPartitionsLostHandler((_, partitions) => WaitFor(engine.LoseAsync(PartitionsOf(partitions)))));
        consumer.Subscribe(_options.Topic);
        Log.Started(logger, _options.Topic, _options.GroupId);
        _consumer = consumer;
        var source = new KafkaMessageSource(consumer, consumers.Monitor, _options.Topic, engine, logger);
        using var stopProbing = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var probing = prober.RunAsync(source, () => [.. engine.Lanes.Select(static l => l.Partition)], stopProbing.Token);
        try
        {
            await engine.RunAsync(source, stoppingToken);
        }
        finally
        {
            await stopProbing.CancelAsync();
            await probing; // before the consumer is disposed: a probe in progress uses it
            _consumer = null;
        }
    }

    private IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<string?, DecodedValue> consumer, List<TopicPartition> partitions)
    {
        var starts = WaitFor(engine.AssignAsync([.. partitions.Select(static p => p.Partition.Value)]));
        return starts.Select(start => new TopicPartitionOffset(
            _options.Topic, start.Partition, start.StartAt is { } offset ? new Offset(offset) : Offset.Beginning));
    }

    /// <summary>
    /// The one place the engine's assignment changes are waited for synchronously: librdkafka's rebalance callbacks are
    /// synchronous (they run inside <c>Consume</c>, on the engine's flow, and the assigned one must return the start
    /// offsets before the client goes on), so the callback blocks until the engine has opened, committed or dropped the
    /// lanes. Nothing else runs on the engine meanwhile: it is the one waiting in <c>Consume</c>.
    /// </summary>
    private static void WaitFor(Task change) => change.GetAwaiter().GetResult();

    /// <inheritdoc cref="WaitFor(Task)"/>
    private static T WaitFor<T>(Task<T> change) => change.GetAwaiter().GetResult();

    private static int[] PartitionsOf(List<TopicPartitionOffset> partitions) => [.. partitions.Select(static p => p.Partition.Value)];

    private void RegisterGauges() =>
        telemetry.Meter.CreateObservableGauge(ProcessorTelemetryNames.Instruments.ConsumerLag, ObserveLag, "{message}",
            "Messages in the partition after the processor's position.");

    private IEnumerable<Measurement<long>> ObserveLag()
    {
        var consumer = _consumer;
        if (consumer is null)
        {
            yield break;
        }

        foreach (var lane in engine.Lanes)
        {
            WatermarkOffsets watermarks;
            try
            {
                watermarks = consumer.GetWatermarkOffsets(new TopicPartition(lane.Topic, lane.Partition));
            }
            catch (KafkaException)
            {
                continue;
            }
            catch (ObjectDisposedException)
            {
                yield break;
            }

            if (KafkaLag.Of(watermarks, lane.NextOffset) is not { } lag)
            {
                continue;
            }

            yield return new Measurement<long>(lag,
                new KeyValuePair<string, object?>(ProcessorTelemetryNames.Tags.Partition, lane.PartitionId));
        }
    }
}
