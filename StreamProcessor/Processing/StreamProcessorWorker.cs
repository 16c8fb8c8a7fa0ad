using System.Diagnostics;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.StreamProcessor.Ingest;
using Pipeline.StreamProcessor.Telemetry;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// Kafka's side of the <see cref="ProcessingEngine"/>: the consumer is its <see cref="IMessageSource"/>.
/// <c>Consume</c> feeds it messages (and runs the rebalance callbacks, which become the engine's
/// assign/revoke/lose on the same thread), commit hints become <c>consumer.StoreOffset</c> (committed in the
/// background), a failing sink pauses
/// the assignment. Fatal errors escape <see cref="ExecuteAsync"/> and stop the host.
/// </summary>
internal sealed class StreamProcessorWorker(
    KafkaConsumerFactory<string?, DecodedValue> consumers,
    ProcessingEngine engine,
    Topics.TopicGuard topics,
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
    /// start fails with <see cref="Checkpointing.RunSettingsMismatchException"/>.
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
            .SetPartitionsRevokedHandler((_, partitions) => engine.Revoke(PartitionsOf(partitions)))
            .SetPartitionsLostHandler((_, partitions) => engine.Lose(PartitionsOf(partitions))));
        consumer.Subscribe(_options.Topic);
        Log.Started(logger, _options.Topic, _options.GroupId);
        _consumer = consumer;
        try
        {
            await engine.RunAsync(new KafkaMessageSource(consumer, consumers.Monitor, _options.Topic, logger), stoppingToken);
        }
        finally
        {
            _consumer = null;
        }
    }

    private IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<string?, DecodedValue> consumer, List<TopicPartition> partitions)
    {
        var starts = engine.Assign([.. partitions.Select(static p => p.Partition.Value)]);
        return starts.Select(start => new TopicPartitionOffset(
            _options.Topic, start.Partition, start.StartAt is { } offset ? new Offset(offset) : Offset.Beginning));
    }

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

    /// <summary>The consumer as the engine's source: one topic, offsets stored by the engine's commits only.</summary>
    private sealed class KafkaMessageSource(
        IConsumer<string?, DecodedValue> consumer,
        KafkaClientMonitor monitor,
        string topic,
        ILogger logger) : IMessageSource
    {
        private static readonly Func<object, ActivityContext> s_extractTraceContext =
            static headers => TraceContextHeaders.Extract((Headers)headers);

        public bool TryReceive(TimeSpan timeout, out SourceMessage message)
        {
            ConsumeResult<string?, DecodedValue>? result;
            try
            {
                result = consumer.Consume(timeout);
            }
            catch (ConsumeException ex) when (!ex.Error.IsFatal)
            {
                Log.ConsumeFailed(logger, ex.Error.Reason);
                result = null;
            }

            if (result is not { IsPartitionEOF: false, Message: { } kafkaMessage })
            {
                message = default;
                return false;
            }

            monitor.ReportSuccess();
            var value = kafkaMessage.Value;
            message = new SourceMessage(
                result.Partition.Value,
                result.Offset.Value,
                kafkaMessage.Timestamp.UtcDateTime,
                kafkaMessage.Key,
                value,
                // The headers are parsed only if the engine traces this message or links it to its batch.
                kafkaMessage.Headers is { Count: > 0 } headers ? new MessageTraceContext(headers, s_extractTraceContext) : default,
                value.IsValid ? null : CopyHeaders(kafkaMessage.Headers));
            return true;
        }

        /// <summary>From the high watermark the client cached with its last fetch (no request).</summary>
        public bool IsCaughtUp(int partition, long nextOffset)
        {
            WatermarkOffsets watermarks;
            try
            {
                watermarks = consumer.GetWatermarkOffsets(new TopicPartition(topic, partition));
            }
            catch (KafkaException)
            {
                return false;
            }

            return KafkaLag.Of(watermarks, nextOffset, unknownPositionIsStart: true) == 0;
        }

        public void Pause() => consumer.Pause(consumer.Assignment);

        public void Resume() => consumer.Resume(consumer.Assignment);

        /// <summary>
        /// Stores the hint; librdkafka commits stored offsets in the background (auto commit), on revoke and on close.
        /// Never a synchronous commit: one waits on the group coordinator, which a rebalance or a slow broker can
        /// hold for a minute, and the engine's thread (every lane's checkpoints) would wait with it.
        /// </summary>
        public void Commit(int partition, long nextOffset)
        {
            try
            {
                consumer.StoreOffset(new TopicPartitionOffset(topic, partition, nextOffset));
            }
            catch (KafkaException ex) when (ex.Error.Code is ErrorCode.Local_State or ErrorCode.Local_UnknownPartition)
            {
                // The partition is no longer assigned (lost, or revoked before its last batch completed): the
                // checkpoint holds the position, and the partition's new owner commits its own hints.
                Log.OffsetHintDropped(logger, topic, partition, nextOffset);
            }
            catch (KafkaException ex)
            {
                // Not fatal: the checkpoint already holds the position; Kafka's copy is for lag and tooling.
                Log.OffsetCommitFailed(logger, topic, partition, nextOffset, ex.Error.Reason);
            }
        }

        public void Close() => consumer.Close();

        private static List<KeyValuePair<string, byte[]>>? CopyHeaders(Headers? headers) =>
            headers is null ? null : [.. headers.Select(static h => KeyValuePair.Create(h.Key, h.GetValueBytes()))];
    }
}
