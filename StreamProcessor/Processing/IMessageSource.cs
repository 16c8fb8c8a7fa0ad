using Pipeline.StreamProcessor.Ingest;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// What the <see cref="ProcessingEngine"/> reads from and reports to: messages in, offsets out. Kafka in the
/// service (<c>Kafka/KafkaMessageSource</c>), a list in the benchmark and the tests. Every member but
/// <see cref="QueryOffsets"/> is called in the engine's flow; partition assignment changes reach the engine
/// (<see cref="ProcessingEngine.AssignAsync"/>, <see cref="ProcessingEngine.RevokeAsync"/>, <see cref="ProcessingEngine.LoseAsync"/>)
/// from inside <see cref="TryReceive"/> or <see cref="Close"/>, in that same flow.
/// </summary>
internal interface IMessageSource
{
    /// <summary>The next message, waiting at most <paramref name="timeout"/>; false when none came.</summary>
    bool TryReceive(TimeSpan timeout, out SourceMessage message);

    /// <summary>
    /// Asks the partition's leader where its log starts and ends (a round trip, never a cached value); null when no
    /// answer came within <paramref name="timeout"/>. Thread-safe: the <see cref="PartitionProber"/> calls it from
    /// its own tasks, the engine when a partition is assigned or its position is out of range.
    /// </summary>
    LogOffsets? QueryOffsets(int partition, TimeSpan timeout);

    /// <summary>Stops delivering messages of every assigned partition (the output is failing).</summary>
    void Pause();

    /// <summary>Delivers messages again after <see cref="Pause()"/>.</summary>
    void Resume();

    /// <summary>Stops delivering one partition's messages (its lane's results are not acknowledged).</summary>
    void Pause(int partition);

    /// <summary>Delivers one partition's messages again after <see cref="Pause(int)"/>.</summary>
    void Resume(int partition);

    /// <summary>
    /// The offset hint, called once the batch's files and checkpoint are durable (for lag and tooling: the
    /// checkpoint is the truth). Not allowed to throw: a failed hint is the source's to log.
    /// </summary>
    void Commit(int partition, long nextOffset);

    /// <summary>Leaves (the group): called once, after every lane committed; revokes what is still assigned.</summary>
    void Close();
}

/// <summary>One message as the engine sees it.</summary>
/// <param name="Partition">The partition it was read from.</param>
/// <param name="Offset">Its offset in the partition.</param>
/// <param name="Timestamp">The record's timestamp (the producer sets event time), UTC.</param>
/// <param name="Key">The record's key (the producer keys by id).</param>
/// <param name="Value">The decoded value, or the reason it was rejected.</param>
/// <param name="TraceParent">
/// The producer's span (the parent of the message's process span, a link of its batch's commit span), parsed only
/// when one of them uses it.
/// </param>
/// <param name="Headers">The record's headers, carried only for a rejected value (the dead letter copies them).</param>
internal readonly record struct SourceMessage(
    int Partition,
    long Offset,
    DateTime Timestamp,
    string? Key,
    DecodedValue Value,
    MessageTraceContext TraceParent = default,
    IReadOnlyList<KeyValuePair<string, byte[]>>? Headers = null);
