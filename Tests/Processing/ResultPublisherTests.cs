using System.Reflection;
using Confluent.Kafka;
using Pipeline.StreamProcessor;
using Pipeline.StreamProcessor.Kafka;
using Pipeline.StreamProcessor.Processing;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.Tests.Processing;

/// <summary>Each lane's results are confirmed on their own; a retry publishes again only what the broker refused.</summary>
public sealed class ResultPublisherTests
{
    private static readonly DateTime s_t0 = new(2026, 1, 2, 3, 4, 0, DateTimeKind.Utc);

    [Fact]
    public void TryConfirm_OneLaneAcknowledged_TheOtherNot_EachLaneAnswersForItsOwnMessages()
    {
        // Arrange
        var producer = ScriptedProducer.Create();
        var sut = new ResultPublisher(producer, new ProcessorOptions { Topic = "events" });
        var mark0 = sut.PublishWindows(0, [Window(1)]);
        var mark1 = sut.PublishWindows(1, [Window(2)]);

        // Act: only partition 0's message is acknowledged.
        ScriptedProducer.Report(producer, 0, ErrorCode.NoError);

        // Assert
        Assert.True(sut.TryConfirm(0, mark0, TimeSpan.Zero));
        Assert.False(sut.TryConfirm(1, mark1, TimeSpan.Zero));
    }

    [Fact]
    public void TryConfirm_WaitsForTheLanesMessagesUpToTheBatchsMark_NotForRejectsOfItsNextBatch()
    {
        // Arrange: the batch's window, then a reject of the lane's next batch, still in flight.
        var producer = ScriptedProducer.Create();
        var sut = new ResultPublisher(producer, new ProcessorOptions { Topic = "events" });
        var mark = sut.PublishWindows(0, [Window(1)]);
        sut.PublishRejected(EngineHarness.Rejected(0, 7));

        // Act
        ScriptedProducer.Report(producer, 0, ErrorCode.NoError);

        // Assert
        Assert.True(sut.TryConfirm(0, mark, TimeSpan.Zero));
        Assert.False(sut.TryConfirm(0, mark + 1, TimeSpan.Zero));
    }

    [Fact]
    public void TryConfirm_AfterARefusedDelivery_Throws_ThenTheRetryPublishesOnlyTheRefusedMessage()
    {
        // Arrange: three windows; two acknowledged, one timed out in the client.
        var producer = ScriptedProducer.Create();
        var sut = new ResultPublisher(producer, new ProcessorOptions { Topic = "events" });
        var mark = sut.PublishWindows(0, [Window(1), Window(2), Window(3)]);
        ScriptedProducer.Report(producer, 0, ErrorCode.NoError);
        ScriptedProducer.Report(producer, 1, ErrorCode.Local_MsgTimedOut);
        ScriptedProducer.Report(producer, 2, ErrorCode.NoError);

        // Act
        var refused = Assert.Throws<ResultPublishException>(() => sut.TryConfirm(0, mark, TimeSpan.Zero));
        var inFlightAfterRetry = sut.TryConfirm(0, mark, TimeSpan.Zero);
        ScriptedProducer.Report(producer, 3, ErrorCode.NoError);

        // Assert: the retry produced window 2 again, and nothing else.
        Assert.Contains("partition 0", refused.Message, StringComparison.Ordinal);
        Assert.False(inFlightAfterRetry);
        Assert.Equal(["1", "2", "3", "2"], ScriptedProducer.Keys(producer));
        Assert.True(sut.TryConfirm(0, mark, TimeSpan.Zero));
    }

    private static WindowAggregate Window(int id) => new(s_t0, s_t0.AddSeconds(10), id, 1, 1, 1, 1);

    /// <summary>An <see cref="IProducer{TKey,TValue}"/> that keeps each produced message's delivery handler for the test to call.</summary>
    public class ScriptedProducer : DispatchProxy
    {
        private readonly List<(Message<byte[]?, byte[]> Message, Action<DeliveryReport<byte[]?, byte[]>> Handler)> _produced = [];

        public static IProducer<byte[]?, byte[]> Create() => DispatchProxy.Create<IProducer<byte[]?, byte[]>, ScriptedProducer>();

        public static string[] Keys(IProducer<byte[]?, byte[]> producer) =>
            [.. Of(producer)._produced.Select(static p => System.Text.Encoding.UTF8.GetString(p.Message.Key!))];

        /// <summary>Reports the delivery of the <paramref name="index"/>th message produced.</summary>
        public static void Report(IProducer<byte[]?, byte[]> producer, int index, ErrorCode code)
        {
            var (message, handler) = Of(producer)._produced[index];
            handler(new DeliveryReport<byte[]?, byte[]> { Message = message, Error = new Error(code) });
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name == nameof(IProducer<byte[]?, byte[]>.Produce)
                && args is [string, Message<byte[]?, byte[]> message, Action<DeliveryReport<byte[]?, byte[]>> handler])
            {
                _produced.Add((message, handler));
                return null;
            }

            throw new NotSupportedException(targetMethod?.Name);
        }

        private static ScriptedProducer Of(IProducer<byte[]?, byte[]> producer) => (ScriptedProducer)(object)producer;
    }
}
