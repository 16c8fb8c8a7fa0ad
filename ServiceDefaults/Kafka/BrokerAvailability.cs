using Confluent.Kafka;

namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>
/// Whether a client can reach its brokers, as librdkafka reports it: its error callback says when
/// every broker is down (once per outage, not per retry); the first success afterwards (a delivery,
/// a consumed message) is the recovery. Lets a service log the outage once and the recovery once.
/// </summary>
public sealed class BrokerAvailability
{
    private int _down;

    /// <summary>True when <paramref name="error"/> starts an outage (all brokers down).</summary>
    public bool ReportError(Error error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.Code == ErrorCode.Local_AllBrokersDown && Interlocked.Exchange(ref _down, 1) == 0;
    }

    /// <summary>True on the first success after an outage. Cheap on the hot path: one volatile read.</summary>
    public bool ReportSuccess() => Volatile.Read(ref _down) == 1 && Interlocked.Exchange(ref _down, 0) == 1;
}
