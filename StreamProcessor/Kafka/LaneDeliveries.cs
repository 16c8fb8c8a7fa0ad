using Confluent.Kafka;

namespace Pipeline.StreamProcessor.Kafka;

/// <summary>
/// The results messages of one lane that the broker has not acknowledged yet, each with its state. Delivery reports
/// arrive on the producer's thread, everything else on the engine's; acknowledged messages are dropped at once, so a
/// retry can publish again exactly the ones that failed and nothing the broker already has.
/// </summary>
internal sealed class LaneDeliveries
{
    private readonly object _gate = new();
    private readonly HashSet<Delivery> _unacknowledged = [];
    private long _sequence;

    /// <summary>The sequence number of the lane's last message: a batch waits for its lane's messages up to here only.</summary>
    public long Mark => Interlocked.Read(ref _sequence);

    /// <summary>Starts tracking a message about to be produced; <see cref="OnReport"/> settles it.</summary>
    public Delivery Add(string topic, Message<byte[]?, byte[]> message)
    {
        var delivery = new Delivery(Interlocked.Increment(ref _sequence), topic, message);
        lock (_gate)
        {
            _unacknowledged.Add(delivery);
        }

        return delivery;
    }

    /// <summary>Stops tracking a message whose produce call threw (it never reached the client's queue).</summary>
    public void Remove(Delivery delivery)
    {
        lock (_gate)
        {
            _unacknowledged.Remove(delivery);
            Monitor.PulseAll(_gate);
        }
    }

    public void OnReport(Delivery delivery, Error error)
    {
        lock (_gate)
        {
            if (error.IsError)
            {
                delivery.Failure = error;
            }
            else
            {
                _unacknowledged.Remove(delivery);
            }

            delivery.InFlight = false;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Takes the failed messages whose failure <see cref="Wait"/> already reported out of the failed state, as in flight
    /// again, for the caller to produce them again: a failure is first reported (the lane backs off), then retried.
    /// </summary>
    public List<Delivery> TakeFailed(long upTo)
    {
        lock (_gate)
        {
            var failed = _unacknowledged.Where(d => d is { Failure: not null, FailureReported: true } && d.Sequence <= upTo).ToList();
            foreach (var delivery in failed)
            {
                delivery.Failure = null;
                delivery.FailureReported = false;
                delivery.InFlight = true;
            }

            return failed;
        }
    }

    /// <summary>
    /// Waits until none of the messages up to <paramref name="upTo"/> is in flight any more (or <paramref name="wait"/> has passed); returns the messages still
    /// in flight and the first delivery error among the rest (every failure is then reported, see <see cref="TakeFailed"/>).
    /// Real time: the reports come from the producer's own thread, whatever clock the engine runs on.
    /// </summary>
    public (int InFlight, Error? Failure) Wait(long upTo, TimeSpan wait)
    {
        var deadline = Environment.TickCount64 + (long)wait.TotalMilliseconds;
        lock (_gate)
        {
            while (true)
            {
                var inFlight = 0;
                Error? failure = null;
                foreach (var delivery in _unacknowledged)
                {
                    if (delivery.Sequence > upTo)
                    {
                        continue; // a later batch's: messages rejected after this batch was sealed
                    }

                    if (delivery.InFlight)
                    {
                        inFlight++;
                    }
                    else
                    {
                        failure ??= delivery.Failure;
                    }
                }

                var left = deadline - Environment.TickCount64;
                if (failure is not null)
                {
                    foreach (var delivery in _unacknowledged)
                    {
                        delivery.FailureReported |= delivery.Failure is not null && delivery.Sequence <= upTo;
                    }

                    return (inFlight, failure);
                }

                if (inFlight == 0 || left <= 0)
                {
                    return (inFlight, null);
                }

                Monitor.Wait(_gate, TimeSpan.FromMilliseconds(left));
            }
        }
    }

    /// <summary>One message of the lane, kept until the broker acknowledges it.</summary>
    internal sealed class Delivery(long sequence, string topic, Message<byte[]?, byte[]> message)
    {
        /// <summary>Its place among the lane's messages (see <see cref="Mark"/>).</summary>
        public long Sequence { get; } = sequence;

        public string Topic { get; } = topic;

        public Message<byte[]?, byte[]> Message { get; } = message;

        /// <summary>Produced and not reported yet. Written under the tracker's lock only.</summary>
        public bool InFlight { get; set; } = true;

        /// <summary>The error of its last delivery report, until it is produced again.</summary>
        public Error? Failure { get; set; }

        /// <summary>Whether <see cref="Failure"/> was reported to the lane (it may be produced again from then).</summary>
        public bool FailureReported { get; set; }
    }
}
