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
    BrokerAvailability availability,
    TimeProvider timeProvider,
    IHostApplicationLifetime lifetime,
    ILogger<EventPublisher> logger) : BackgroundService
{
    private readonly ProducerOptions _options = options.Value;
    private long _delivered;
    private long _failed;

    /// <summary>Events acknowledged by the broker so far.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Events that could not be delivered.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await KafkaReadiness.WaitForBrokerAsync(
            producerConfig, _options.StartupBackoff, _options.MaxStartupBackoff, timeProvider, logger, stoppingToken);

        var seed = _options.Seed ?? Random.Shared.Next();
        Log.Starting(logger, _options.Topic,
            _options.Unthrottled ? "unthrottled" : $"{_options.MessagesPerSecond.ToString(CultureInfo.InvariantCulture)} msg/s",
            seed, _options.TotalMessages?.ToString(CultureInfo.InvariantCulture) ?? "unbounded");
        var generator = new EventGenerator(seed, _options.IdCount, _options.Source);
        var spanName = $"{_options.Topic} publish";
        Action<DeliveryReport<string, byte[]>> onDelivery = OnDelivery;
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
            var undelivered = producer.Flush(_options.FlushTimeout);
            Log.Stopped(logger, Delivered, Failed, undelivered);
        }

        if (produced >= total && _options.ExitWhenDone)
        {
            Log.Done(logger, produced);
            lifetime.StopApplication();
        }
    }

    private void Publish(GeneratedEvent generated, string spanName, Action<DeliveryReport<string, byte[]>> onDelivery, CancellationToken stoppingToken)
    {
        using var activity = ProducerTelemetry.ActivitySource.StartActivity(spanName, ActivityKind.Producer);
        var message = new Message<string, byte[]>
        {
            Key = generated.Key,
            Value = generated.Json,
            Timestamp = new Timestamp(generated.Timestamp),
        };
        if (activity is not null)
        {
            activity.SetTag(PipelineTelemetry.MessagingAttributes.System, "kafka");
            activity.SetTag(PipelineTelemetry.MessagingAttributes.DestinationName, _options.Topic);
            activity.SetTag(PipelineTelemetry.MessagingAttributes.Operation, "publish");
            activity.SetTag(PipelineTelemetry.MessagingAttributes.MessageKey, generated.Key);
            message.Headers = [];
            TraceContextHeaders.Inject(activity, message.Headers);
        }

        while (true)
        {
            try
            {
                producer.Produce(_options.Topic, message, onDelivery);
                return;
            }
            catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                // Backpressure: the client's queue is full while the broker is slow or away.
                // Wait for deliveries instead of dropping; nothing accepted is ever lost.
                Log.QueueFull(logger);
                stoppingToken.ThrowIfCancellationRequested();
                producer.Poll(TimeSpan.FromMilliseconds(100));
            }
        }
    }

    private void OnDelivery(DeliveryReport<string, byte[]> report)
    {
        var tags = new KeyValuePair<string, object?>(ProducerTelemetry.Tags.Topic, report.Topic);
        if (report.Error.IsError)
        {
            Interlocked.Increment(ref _failed);
            telemetry.Failed.Add(1, tags, new KeyValuePair<string, object?>(ProducerTelemetry.Tags.ErrorType, report.Error.Code.ToString()));
            Log.DeliveryFailed(logger, report.Topic, report.Error.Reason);
            return;
        }

        Interlocked.Increment(ref _delivered);
        if (availability.ReportSuccess())
        {
            Log.BrokersReconnected(logger);
        }

        telemetry.Sent.Add(1, tags);
        var latency = timeProvider.GetUtcNow() - report.Message.Timestamp.UtcDateTime;
        telemetry.DeliveryLatency.Record(latency.TotalMilliseconds, tags);
    }
}
