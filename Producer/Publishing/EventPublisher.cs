using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Pipeline.Producer.Generation;
using Pipeline.Producer.Telemetry;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.ServiceDefaults.Telemetry;

namespace Pipeline.Producer.Publishing;

/// <summary>
/// Publishes generated events keyed by id, at the configured rate or unthrottled, with event time
/// as the Kafka timestamp and the W3C trace context in the headers. The producer is idempotent
/// with acks=all, so librdkafka's retries never duplicate or reorder a key's events; on stop every
/// in-flight message is flushed and the totals are logged.
/// </summary>
internal sealed class EventPublisher(
    IProducer<string, byte[]> producer,
    ProducerConfig producerConfig,
    IOptions<ProducerOptions> options,
    ProducerTelemetry telemetry,
    [FromKeyedServices(KafkaClientMonitor.Producer)] KafkaClientMonitor monitor,
    PartitionOutageWatch outageWatch,
    TimeProvider timeProvider,
    IHostApplicationLifetime lifetime,
    ILogger<EventPublisher> logger) : BackgroundService
{
    private const int MaxIdleSends = 4096;
    private readonly ProducerOptions _options = options.Value;
    private readonly KeyValuePair<string, object?>[] _sendTags = ProducerTelemetry.SendTags(options.Value.Topic);
    private readonly ConcurrentQueue<SendOperation> _idleSends = new();
    private readonly Action _onQueueFull = () => Log.QueueFull(logger);
    private int _idleSendCount;
    private long _delivered;
    private long _failed;
    private long _undelivered;
    private string? _lastFailure;

    /// <summary>Events acknowledged by the broker so far.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Events that could not be delivered.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Events accepted but not acknowledged when publishing stopped (failed, or still in flight after the flush).</summary>
    public long Undelivered => Interlocked.Read(ref _undelivered);

    /// <summary>The process's exit code: non-zero when any event accepted was not delivered.</summary>
    public int ExitCode => Undelivered > 0 ? ProducerExitCodes.Undelivered : ProducerExitCodes.Success;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await KafkaReadiness.WaitForBrokerAsync(
            producerConfig, _options.StartupBackoff, _options.MaxStartupBackoff, timeProvider, logger, stoppingToken);

        var seed = _options.Seed ?? Random.Shared.Next();
        Log.Starting(logger, _options.Topic,
            _options.Unthrottled ? "unthrottled" : $"{_options.MessagesPerSecond.ToString(CultureInfo.InvariantCulture)} msg/s",
            seed, _options.TotalMessages?.ToString(CultureInfo.InvariantCulture) ?? "unbounded");
        var generator = new EventGenerator(seed, _options.IdCount, _options.Source);
        var spanName = ProducerTelemetry.Spans.Send(_options.Topic);
        Action<DeliveryReport<string, byte[]>> onDelivery = report => OnDelivery(report, null);
        long produced = 0;
        var total = _options.TotalMessages ?? long.MaxValue;
        var started = timeProvider.GetTimestamp();
        try
        {
            while (produced < total && !stoppingToken.IsCancellationRequested)
            {
                var due = _options.Unthrottled
                    ? total
                    : Math.Min(total, (long)(timeProvider.GetElapsedTime(started).TotalSeconds * _options.MessagesPerSecond) + 1);
                while (produced < due && !stoppingToken.IsCancellationRequested)
                {
                    Publish(generator.Next(timeProvider.GetUtcNow()), spanName, onDelivery, stoppingToken);
                    produced++;
                }

                if (produced < total && !_options.Unthrottled)
                {
                    var next = TimeSpan.FromSeconds(produced / _options.MessagesPerSecond) - timeProvider.GetElapsedTime(started);
                    await Task.Delay(next > TimeSpan.Zero ? next : TimeSpan.FromMilliseconds(1), timeProvider, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            var inFlight = producer.Flush(_options.FlushTimeout);
            Log.Stopped(logger, Delivered, Failed, inFlight);
            ReportUndelivered(produced);
        }

        if (produced >= total && _options.ExitWhenDone)
        {
            // Done means acknowledged: "produced" only counts what the client accepted.
            if (Undelivered == 0)
            {
                Log.Done(logger, produced);
            }

            lifetime.StopApplication();
        }
    }

    /// <summary>
    /// Counts what was accepted but not acknowledged (failed, or still queued when the flush gave up, which is lost when
    /// the process exits) and says why: the last delivery error, or the partition outage that held them.
    /// </summary>
    private void ReportUndelivered(long produced)
    {
        var delivered = Delivered;
        var failed = Failed;
        var undelivered = Math.Max(0, produced - delivered);
        Interlocked.Exchange(ref _undelivered, undelivered);
        if (undelivered == 0)
        {
            return;
        }

        var inFlight = Math.Max(0, undelivered - failed);
        var reasons = new List<string>(2);
        if (failed > 0)
        {
            reasons.Add("last delivery error: " + (Volatile.Read(ref _lastFailure) ?? "unknown"));
        }

        if (inFlight > 0)
        {
            reasons.Add(outageWatch.CurrentOutage is { } outage
                ? "still waiting for " + outage
                : $"no acknowledgement within {_options.FlushTimeout} ({ProducerOptions.SectionName}:{nameof(ProducerOptions.FlushTimeout)})");
        }

        Log.NotDelivered(logger, undelivered, produced, failed, inFlight, string.Join("; ", reasons));
    }

    private void Publish(GeneratedEvent generated, string spanName, Action<DeliveryReport<string, byte[]>> onDelivery, CancellationToken stoppingToken)
    {
        // The send span lasts until the delivery report, so it is not left current on this thread.
        var previous = Activity.Current;
        var activity = ProducerTelemetry.ActivitySource.StartActivity(spanName, ActivityKind.Producer);
        var message = new Message<string, byte[]>
        {
            Key = generated.Key,
            Value = generated.Json,
            Timestamp = new Timestamp(generated.Timestamp),
        };
        if (activity is not null)
        {
            activity.SetTag(PipelineTelemetry.MessagingAttributes.System, PipelineTelemetry.MessagingValues.Kafka);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.DestinationName, _options.Topic);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.OperationName, ProducerTelemetry.Operations.Send);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.OperationType, PipelineTelemetry.MessagingValues.OperationTypes.Send);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.MessageKey, generated.Key);
            message.Headers = [];
            TraceContextHeaders.Inject(activity, message.Headers);
        }

        // Only a span or a duration listener needs per-message state; without either every message shares one handler.
        SendOperation? send = null;
        if (activity is not null || telemetry.OperationDuration.Enabled)
        {
            send = RentSend(activity);
            onDelivery = send.OnDelivery;
        }

        try
        {
            Produce(message, onDelivery, stoppingToken);
        }
        catch (Exception ex) when (send is not null)
        {
            // Not accepted, so no delivery report will close the span: it ends here, and nothing was sent.
            if (ex is not OperationCanceledException)
            {
                activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
                activity?.AddException(ex);
            }

            activity?.Stop();
            ReturnSend(send);
            throw;
        }
        finally
        {
            if (activity is not null)
            {
                Activity.Current = previous;
            }
        }
    }

    // Backpressure: while the broker is slow or away, wait for deliveries instead of dropping; nothing accepted is ever lost.
    private void Produce(Message<string, byte[]> message, Action<DeliveryReport<string, byte[]>> onDelivery, CancellationToken stoppingToken) =>
        producer.ProduceWithBackpressure(_options.Topic, message, onDelivery, TimeSpan.FromMilliseconds(100), _onQueueFull, stoppingToken);

    /// <summary>
    /// One delivery report (on the client's poll thread). <paramref name="send"/> is the message's telemetry
    /// state when a span or the duration histogram listens, otherwise null.
    /// </summary>
    private void OnDelivery(DeliveryReport<string, byte[]> report, SendOperation? send)
    {
        var failed = report.Error.IsError;
        var errorType = failed ? report.Error.Code.ToString() : null;
        if (send is not null)
        {
            CompleteSend(report, send, errorType);
        }

        if (failed)
        {
            Volatile.Write(ref _lastFailure, report.Error.Reason);
            Interlocked.Increment(ref _failed);
            telemetry.Failed.Add(1,
                new KeyValuePair<string, object?>(ProducerTelemetryNames.Tags.Topic, report.Topic),
                new KeyValuePair<string, object?>(ProducerTelemetryNames.Tags.ErrorType, errorType));
            telemetry.Sent.Add(1, WithErrorType(errorType!));
            Log.DeliveryFailed(logger, report.Topic, report.Error.Reason);
            return;
        }

        Interlocked.Increment(ref _delivered);
        monitor.ReportSuccess();

        telemetry.Sent.Add(1, _sendTags);
    }

    /// <summary>Records the send's duration and closes its span with where the message landed (or why it did not).</summary>
    private void CompleteSend(DeliveryReport<string, byte[]> report, SendOperation send, string? errorType)
    {
        var seconds = timeProvider.GetElapsedTime(send.StartedAt).TotalSeconds;
        if (errorType is null)
        {
            telemetry.OperationDuration.Record(seconds, _sendTags);
        }
        else
        {
            telemetry.OperationDuration.Record(seconds, WithErrorType(errorType));
        }

        if (send.Activity is { } activity)
        {
            if (report.Partition.Value >= 0)
            {
                activity.SetTag(PipelineTelemetry.MessagingAttributes.PartitionId, PipelineTelemetry.PartitionId(report.Partition.Value));
            }

            if (errorType is null)
            {
                activity.SetTag(PipelineTelemetry.MessagingAttributes.Offset, report.Offset.Value);
            }
            else
            {
                activity.SetTag(PipelineTelemetry.MessagingAttributes.ErrorType, errorType);
                activity.SetStatus(ActivityStatusCode.Error, report.Error.Reason);
            }

            activity.Stop();
        }

        ReturnSend(send);
    }

    /// <summary>The send tags plus <c>error.type</c>, on the stack (failures only).</summary>
    private TagList WithErrorType(string errorType)
    {
        var tags = new TagList(_sendTags);
        tags.Add(PipelineTelemetry.MessagingAttributes.ErrorType, errorType);
        return tags;
    }

    private SendOperation RentSend(Activity? activity)
    {
        if (_idleSends.TryDequeue(out var send))
        {
            Interlocked.Decrement(ref _idleSendCount);
        }
        else
        {
            send = new SendOperation(OnDelivery);
        }

        send.StartedAt = timeProvider.GetTimestamp();
        send.Activity = activity;
        return send;
    }

    private void ReturnSend(SendOperation send)
    {
        send.Activity = null;
        if (Interlocked.Increment(ref _idleSendCount) <= MaxIdleSends)
        {
            _idleSends.Enqueue(send);
        }
        else
        {
            Interlocked.Decrement(ref _idleSendCount);
        }
    }

    /// <summary>
    /// A message in flight, as telemetry sees it: when its send started and its span. Pooled, with its delivery
    /// handler bound once, so a listened-to send allocates no state of its own.
    /// </summary>
    private sealed class SendOperation
    {
        public SendOperation(Action<DeliveryReport<string, byte[]>, SendOperation> complete) =>
            OnDelivery = report => complete(report, this);

        public Action<DeliveryReport<string, byte[]>> OnDelivery { get; }

        public long StartedAt { get; set; }

        public Activity? Activity { get; set; }
    }
}
