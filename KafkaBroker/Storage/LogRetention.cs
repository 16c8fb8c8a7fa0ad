using Microsoft.Extensions.Logging;
using Pipeline.KafkaBroker.Telemetry;

namespace Pipeline.KafkaBroker.Storage;

/// <summary>
/// The periodic retention check (Kafka's <c>log.retention.check.interval.ms</c>): every
/// <see cref="KafkaBrokerOptions.RetentionCheckInterval"/> on the injected clock, each partition deletes the head
/// segments its <see cref="RetentionPolicy"/> allows. A pass still running when the next is due is not doubled.
/// </summary>
internal sealed class LogRetention : IDisposable
{
    private readonly TopicRegistry _topics;
    private readonly BrokerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private int _running;

    public LogRetention(TopicRegistry topics, BrokerMetrics metrics, TimeSpan interval, TimeProvider timeProvider, ILogger logger)
    {
        _topics = topics;
        _metrics = metrics;
        _logger = logger;
        _timer = timeProvider.CreateTimer(_ => CheckAll(), null, interval, interval);
    }

    /// <summary>One pass over every partition of every topic.</summary>
    public void CheckAll()
    {
        if (Interlocked.Exchange(ref _running, 1) != 0)
        {
            return;
        }

        try
        {
            foreach (var topic in _topics.Snapshot())
            {
                foreach (var partition in topic.Partitions)
                {
                    Check(topic.Name, partition);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    public void Dispose() => _timer.Dispose();

    private void Check(string topic, PartitionLog partition)
    {
        try
        {
            var result = partition.ApplyRetention();
            if (result.Segments > 0)
            {
                _metrics.RetentionDeleted(topic, partition.Index, result.Segments, result.Bytes);
                Log.RetentionDeletedSegments(_logger, topic, partition.Index, result.Segments, result.Bytes, result.LogStartOffset);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            // A file that cannot be deleted now (or a topic deleted meanwhile) must not stop retention of the others.
            Log.RetentionFailed(_logger, ex, topic, partition.Index);
        }
    }
}
