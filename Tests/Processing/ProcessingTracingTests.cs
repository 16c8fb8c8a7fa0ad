using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Pipeline.StreamProcessor;
using Pipeline.StreamProcessor.Processing;
using Pipeline.StreamProcessor.Sinks;

namespace Pipeline.Tests.Processing;

/// <summary>
/// The engine's spans on a fake clock: per-message <c>process</c> spans within the per-second budget, children of
/// the producers' spans, and each batch's <c>commit</c> span linking the producers' contexts of its first messages
/// and counting its messages. Names are spelled out (a rename is a failure). Each test reads its own topic, since
/// other tests in the process emit from the same source.
/// </summary>
public sealed class ProcessingTracingTests : IDisposable
{
    private static readonly TimeSpan s_trigger = new SinkOptions().TriggerInterval;
    private readonly string _topic = "tracing-" + Guid.NewGuid().ToString("N");
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public ProcessingTracingTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Pipeline.StreamProcessor",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task ProcessSpans_ThousandMessagesInOneSecond_ExactlyTheBudget_AndTheNextSecondRefills()
    {
        // Arrange: the default budget (100/s); 1,000 messages at one instant, then a second later 1,000 more.
        using var harness = Harness();
        var producers = Producers(2000);
        harness.Source.Assign(0)
            .Deliver([.. Enumerable.Range(0, 1000).Select(i => Message(i, producers[i]))])
            .Advance(TimeSpan.FromSeconds(1))
            .Deliver([.. Enumerable.Range(1000, 1000).Select(i => Message(i, producers[i]))]);

        // Act
        await harness.RunAsync();

        // Assert: the first 100 of each second have a span, each a child of its own producer's span.
        var processes = Spans("process");
        Assert.Equal(200, processes.Count);
        Assert.Equal([.. Enumerable.Range(0, 100).Concat(Enumerable.Range(1000, 100)).Select(i => (long)i)],
            processes.Select(static p => (long)p.GetTagItem("messaging.kafka.offset")!).Order());
        Assert.All(processes, p => AssertChildOf(producers[(long)p.GetTagItem("messaging.kafka.offset")!], p));
    }

    [Fact]
    public async Task ProcessSpans_AtTheDefaultProducerRate_EveryMessageIsAChildOfItsProducerSpan()
    {
        // Arrange: 5 messages a second for 4 seconds (the Producer's default rate).
        using var harness = Harness();
        var producers = Producers(20);
        harness.Source.Assign(0);
        for (var i = 0; i < producers.Length; i++)
        {
            harness.Source.Deliver(Message(i, producers[i])).Advance(TimeSpan.FromMilliseconds(200));
        }

        // Act
        await harness.RunAsync();

        // Assert: one trace from send to process for every message, as in the dashboard.
        var processes = Spans("process");
        Assert.Equal(producers.Length, processes.Count);
        Assert.All(processes, p =>
        {
            Assert.Equal(ActivityKind.Consumer, p.Kind);
            AssertChildOf(producers[(long)p.GetTagItem("messaging.kafka.offset")!], p);
        });
    }

    [Fact]
    public async Task ProcessSpans_BudgetZero_None_AndTheCommitSpanStillLinksTheBatch()
    {
        // Arrange
        using var harness = Harness(maxSpansPerSecond: 0);
        var producers = Producers(10);
        harness.Source.Assign(0).Deliver([.. producers.Select((p, i) => Message(i, p))]);

        // Act
        await harness.RunAsync();

        // Assert
        Assert.Empty(Spans("process"));
        var commit = Assert.Single(Spans("commit"));
        Assert.Equal(producers, commit.Links.Select(static l => l.Context));
        Assert.Equal(10, commit.GetTagItem("messaging.batch.message_count"));
    }

    [Fact]
    public async Task CommitSpan_LinksTheFirst32ProducerContextsOfItsBatch_CountsItsMessages_AndTheNextBatchStartsAfresh()
    {
        // Arrange: batch 1 is 5 messages without a context, then 50 with; batch 2 is 3 messages with one.
        using var harness = Harness();
        var producers = Producers(53);
        harness.Source.Assign(0)
            .Deliver([.. Enumerable.Range(0, 5).Select(static i => Message(i, default))])
            .Deliver([.. Enumerable.Range(0, 50).Select(i => Message(5 + i, producers[i]))])
            .Advance(s_trigger)
            .Deliver([.. Enumerable.Range(50, 3).Select(i => Message(5 + i, producers[i]))]);

        // Act
        await harness.RunAsync();

        // Assert
        var commits = Spans("commit");
        Assert.Equal(2, commits.Count);
        Assert.All(commits, static c => Assert.Equal(ActivityKind.Client, c.Kind));
        Assert.Equal(producers[..32], commits[0].Links.Select(static l => l.Context));
        Assert.Equal(55, commits[0].GetTagItem("messaging.batch.message_count"));
        Assert.Equal(producers[50..], commits[1].Links.Select(static l => l.Context));
        Assert.Equal(3, commits[1].GetTagItem("messaging.batch.message_count"));
    }

    [Fact]
    public async Task TraceContext_IsParsedOnlyForMessagesWithASpanOrALink_OncePerMessage()
    {
        // Arrange: a budget of 10 spans and 100 messages whose contexts count their reads.
        using var harness = Harness(maxSpansPerSecond: 10);
        var producers = Producers(100);
        var reads = 0;
        var messages = producers.Select((p, i) => EngineHarness.Event(0, i, id: i % 7) with
        {
            TraceParent = new MessageTraceContext(new StrongBox<ActivityContext>(p), box =>
            {
                reads++;
                return ((StrongBox<ActivityContext>)box).Value;
            }),
        }).ToArray();
        harness.Source.Assign(0).Deliver(messages);

        // Act
        await harness.RunAsync();

        // Assert: the first 32 are linked (the first 10 of them also traced, from the same read); the rest are not read.
        Assert.Equal(PartitionLane.MaxTraceLinks, reads);
        Assert.Equal(10, Spans("process").Count);
        Assert.Equal(producers[..32], Assert.Single(Spans("commit")).Links.Select(static l => l.Context));
    }

    [Fact]
    public void Validator_NegativeSpanBudget_Fails_ZeroIsAllowed()
    {
        // Act
        var negative = new ProcessorOptionsValidator().Validate(null, new ProcessorOptions { MaxMessageSpansPerSecond = -1 });
        var zero = new ProcessorOptionsValidator().Validate(null, new ProcessorOptions { MaxMessageSpansPerSecond = 0 });

        // Assert
        Assert.Contains(negative.Failures!, static f => f.StartsWith("Pipeline:Processor:MaxMessageSpansPerSecond must be 0", StringComparison.Ordinal));
        Assert.True(zero.Succeeded, zero.FailureMessage);
        Assert.Equal(100, new ProcessorOptions().MaxMessageSpansPerSecond);
    }

    private EngineHarness Harness(int? maxSpansPerSecond = null)
    {
        var settings = new Dictionary<string, string?> { ["Pipeline:Processor:Topic"] = _topic };
        if (maxSpansPerSecond is { } budget)
        {
            settings["Pipeline:Processor:MaxMessageSpansPerSecond"] = budget.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return new EngineHarness(settings);
    }

    private static SourceMessage Message(long offset, ActivityContext producer) =>
        EngineHarness.Event(0, offset, id: (int)(offset % 7)) with { TraceParent = producer };

    /// <summary>Producers' span contexts as they arrive from Kafka: remote, sampled.</summary>
    private static ActivityContext[] Producers(int count) =>
        [.. Enumerable.Range(0, count).Select(static _ => new ActivityContext(
            ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true))];

    /// <summary>This test's ended spans of one operation (<c>process</c>, <c>commit</c>), in the order they ended.</summary>
    private List<Activity> Spans(string operation) =>
        [.. _stopped.Where(a => a.Source.Name == "Pipeline.StreamProcessor" && a.DisplayName == operation + " " + _topic)];

    private static void AssertChildOf(ActivityContext producer, Activity span)
    {
        Assert.Equal(producer.TraceId, span.TraceId);
        Assert.Equal(producer.SpanId, span.ParentSpanId);
    }
}
