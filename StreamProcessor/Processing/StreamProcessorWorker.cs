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
/// background), a failing sink pauses the assignment (or one partition), and the <see cref="PartitionProber"/> asks
/// the assigned partitions' leaders for their offsets beside the engine. Fatal errors escape <see cref="ExecuteAsync"/>
/// and stop the host.
/// </summary>
internal sealed class StreamProcessorWorker(
    KafkaConsumerFactory<string?, DecodedValue> consumers,
    ProcessingEngine engine,
    Topics.TopicGuard topics,
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
        ProcessingEngine engine,
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
            catch (ConsumeException ex) when (ex.Error.Code == ErrorCode.Local_AutoOffsetReset && ex.ConsumerRecord is { } record)
            {
                // The position is no longer in the log (auto.offset.reset=error: never reset silently).
                OnOutOfRange(record.Partition.Value, ex.Error.Reason);
                result = null;
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

        /// <summary>
        /// A ListOffsets round trip to the partition's leader (<c>QueryWatermarkOffsets</c>, thread-safe), never the
        /// high watermark the client cached with its last fetch: that one goes stale when fetches stop being answered.
        /// </summary>
        public LogOffsets? QueryOffsets(int partition, TimeSpan timeout)
        {
            try
            {
                var offsets = consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition), timeout);
                return offsets.Low.IsSpecial || offsets.High.IsSpecial ? null : new LogOffsets(offsets.Low.Value, offsets.High.Value);
            }
            catch (KafkaException)
            {
                return null;
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
        }

        public void Pause() => consumer.Pause(consumer.Assignment);

        public void Resume() => consumer.Resume(consumer.Assignment);

        public void Pause(int partition) => PauseOrResume(partition, pause: true);

        public void Resume(int partition) => PauseOrResume(partition, pause: false);

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

        /// <summary>
        /// Restarts the partition where the engine says the lane goes on (<see cref="LogRangeGuard"/>: past lost offsets,
        /// or it throws); when it cannot tell (no answer from the leader), at the same position, to be checked again.
        /// The partition is assigned again rather than sought: after the reset error its fetch has stopped, and librdkafka
        /// refuses a seek then (Local: Erroneous state).
        /// </summary>
        private void OnOutOfRange(int partition, string reason)
        {
            Log.ConsumeFailed(logger, reason);
            var lane = engine.Lanes.FirstOrDefault(l => l.Partition == partition);
            if (lane is null)
            {
                return;
            }

            var offset = engine.OffsetOutOfRange(partition) ?? Math.Max(lane.NextOffset, 0);
            var assigned = new TopicPartition(topic, partition);
            consumer.IncrementalUnassign([assigned]);
            consumer.IncrementalAssign([new TopicPartitionOffset(assigned, offset)]);
            if (lane.RetryBackoff > TimeSpan.Zero)
            {
                consumer.Pause([assigned]); // its results still fail: assigning again must not resume it
            }
        }

        /// <summary>Pauses or resumes one partition; one no longer assigned has nothing to pause or resume.</summary>
        private void PauseOrResume(int partition, bool pause)
        {
            List<TopicPartition> partitions = [new TopicPartition(topic, partition)];
            try
            {
                if (pause)
                {
                    consumer.Pause(partitions);
                }
                else
                {
                    consumer.Resume(partitions);
                }
            }
            catch (KafkaException ex)
            {
                Log.ConsumeFailed(logger, ex.Error.Reason);
            }
        }

        private static List<KeyValuePair<string, byte[]>>? CopyHeaders(Headers? headers) =>
            headers is null ? null : [.. headers.Select(static h => KeyValuePair.Create(h.Key, h.GetValueBytes()))];
    }
}
