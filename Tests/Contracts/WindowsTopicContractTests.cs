using System.Reflection;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Pipeline.StreamProcessor;
using Pipeline.StreamProcessor.Contracts;
using Pipeline.StreamProcessor.Kafka;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.Tests.Contracts;

/// <summary>
/// The windows topic's message, byte for byte as the processor has always published it: names, order,
/// number and timestamp formats. Any reader (Standalone's dashboard, a downstream consumer) depends on it.
/// </summary>
public sealed class WindowsTopicContractTests
{
    [Fact]
    public void PublishWindows_OneClosedWindow_WritesTheContractJson()
    {
        // Arrange
        var producer = RecordingProducer.Create();
        var sut = new ResultPublisher(producer, new ProcessorOptions { Topic = "events" });
        var window = new WindowAggregate(
            new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), new DateTime(2026, 1, 2, 3, 4, 15, DateTimeKind.Utc),
            Id: 7, Count: 4, Sum: 10.5, Min: -1.25, Max: 6);

        // Act
        sut.PublishWindows(2, [window]);

        // Assert
        var (topic, message) = Assert.Single(RecordingProducer.Messages(producer));
        Assert.Equal("events.windows", topic);
        Assert.Equal("7", Encoding.UTF8.GetString(message.Key!));
        Assert.Equal(
            [(ResultPublisher.WindowTopicHeader, "events"), (ResultPublisher.WindowPartitionHeader, "2")],
            message.Headers.Select(static h => (h.Key, Encoding.UTF8.GetString(h.GetValueBytes()))));
        Assert.Equal(new DateTime(2026, 1, 2, 3, 4, 15, DateTimeKind.Utc), message.Timestamp.UtcDateTime);
        Assert.Equal(
            """{"window_start":"2026-01-02T03:04:05Z","window_end":"2026-01-02T03:04:15Z","id":7,"count":4,"sum":10.5,"avg_value":2.625,"min_value":-1.25,"max_value":6}""",
            Encoding.UTF8.GetString(message.Value));
    }

    [Fact]
    public void Deserialize_PublishedMessage_ReadsBackTheClosedWindow()
    {
        // Arrange: what the processor publishes, read the way any consumer of the topic (Standalone) reads it.
        var producer = RecordingProducer.Create();
        var window = new WindowAggregate(
            new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), new DateTime(2026, 1, 2, 3, 4, 15, DateTimeKind.Utc),
            Id: 7, Count: 3, Sum: 1, Min: 0.1, Max: 0.6);
        new ResultPublisher(producer, new ProcessorOptions { Topic = "events" }).PublishWindows(0, [window]);
        var json = Assert.Single(RecordingProducer.Messages(producer)).Message.Value;

        // Act
        var read = JsonSerializer.Deserialize(json, ClosedWindowJsonContext.Default.ClosedWindow);

        // Assert
        Assert.Equal(window.ToClosedWindow(), read);
        Assert.Equal(DateTimeKind.Utc, read!.WindowStart.Kind);
    }

    [Fact]
    public void Deserialize_MessageMissingAMember_Throws()
    {
        const string Json = """{"window_start":"2026-01-02T03:04:05Z","window_end":"2026-01-02T03:04:15Z","id":7,"count":4,"sum":10.5,"avg_value":2.625,"min_value":-1.25}""";

        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(Json, ClosedWindowJsonContext.Default.ClosedWindow));
    }

    /// <summary>An <see cref="IProducer{TKey,TValue}"/> that records what is produced and reports nothing else.</summary>
    public class RecordingProducer : DispatchProxy
    {
        private readonly List<(string Topic, Message<byte[]?, byte[]> Message)> _messages = [];

        public static IProducer<byte[]?, byte[]> Create() => DispatchProxy.Create<IProducer<byte[]?, byte[]>, RecordingProducer>();

        public static IReadOnlyList<(string Topic, Message<byte[]?, byte[]> Message)> Messages(IProducer<byte[]?, byte[]> producer) =>
            ((RecordingProducer)(object)producer)._messages;

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name == nameof(IProducer<byte[]?, byte[]>.Produce) && args is [string topic, Message<byte[]?, byte[]> message, ..])
            {
                _messages.Add((topic, message));
                return null;
            }

            throw new NotSupportedException(targetMethod?.Name);
        }
    }
}
