using Confluent.Kafka;
using Pipeline.StreamProcessor.Ingest;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>Where rejected messages and closed windows go besides the files (Kafka topics in the service).</summary>
internal interface IResultPublisher
{
    void PublishRejected(ConsumeResult<string?, DecodedValue> result);

    void PublishWindows(IReadOnlyList<WindowAggregate> closed);

    /// <summary>Returns once everything published is durable; throws if something was not.</summary>
    void Flush(TimeSpan timeout);
}
