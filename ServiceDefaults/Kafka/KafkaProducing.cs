using Confluent.Kafka;

namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>The producer settings and the produce loop every producer of the pipeline shares.</summary>
public static class KafkaProducing
{
    /// <summary>Idempotent with acks=all (librdkafka's retries never duplicate or reorder a key's messages), 5 ms linger.</summary>
    public static ProducerConfig IdempotentConfig(string bootstrapServers = "") => new()
    {
        BootstrapServers = bootstrapServers,
        EnableIdempotence = true,
        Acks = Acks.All,
        LingerMs = 5,
    };

    /// <summary>
    /// Produces, waiting for deliveries (<paramref name="pollTimeout"/> at a time) while the client's queue is full
    /// (backpressure: the broker is slow or away) instead of dropping: nothing accepted is ever lost.
    /// <paramref name="onQueueFull"/> runs before each wait; <paramref name="cancellationToken"/> ends the wait.
    /// </summary>
    public static void ProduceWithBackpressure<TKey, TValue>(
        this IProducer<TKey, TValue> producer,
        string topic,
        Message<TKey, TValue> message,
        Action<DeliveryReport<TKey, TValue>>? deliveryHandler,
        TimeSpan pollTimeout,
        Action? onQueueFull = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(producer);
        while (true)
        {
            try
            {
                producer.Produce(topic, message, deliveryHandler);
                return;
            }
            catch (ProduceException<TKey, TValue> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                onQueueFull?.Invoke();
                cancellationToken.ThrowIfCancellationRequested();
                producer.Poll(pollTimeout);
            }
        }
    }
}
