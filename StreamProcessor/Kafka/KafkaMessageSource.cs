using System.Diagnostics;
using Confluent.Kafka;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.StreamProcessor.Ingest;
using Pipeline.StreamProcessor.Processing;

namespace Pipeline.StreamProcessor.Kafka;

/// <summary>The consumer as the engine's source: one topic, offsets stored by the engine's commits only.</summary>
internal sealed class KafkaMessageSource(
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
        if (engine.IsRetrying(partition))
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
