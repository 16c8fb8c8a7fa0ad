using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pipeline.Producer;
using Pipeline.Producer.Publishing;

namespace Pipeline.Tests.Producer;

/// <summary>The partial-outage reading of librdkafka's statistics (shaped as librdkafka 2.16 emits them).</summary>
public sealed class PartitionOutageWatchTests
{
    private readonly PartitionOutageWatch _watch = new(Options.Create(new ProducerOptions { Topic = "ev" }), NullLogger<PartitionOutageWatch>.Instance);

    [Fact]
    public void Observe_LeaderMissingInTwoSamples_ReportsThePartitionOnce()
    {
        // Act
        _watch.Observe(Sample(broker2: null, waitingOnPartition1: 20));
        var afterOne = _watch.CurrentOutage;
        _watch.Observe(Sample(broker2: null, waitingOnPartition1: 35));

        // Assert
        Assert.Null(afterOne); // one sample may be a reconnect in progress
        Assert.Equal("ev[1]: leader broker 2 is unreachable (not connected; 35 messages waiting)", _watch.CurrentOutage);
    }

    [Fact]
    public void Observe_LeaderDownThenUp_OutageEnds()
    {
        // Arrange
        _watch.Observe(Sample(broker2: "CONNECT", waitingOnPartition1: 5));
        _watch.Observe(Sample(broker2: "DOWN", waitingOnPartition1: 5));
        var during = _watch.CurrentOutage;

        // Act
        _watch.Observe(Sample(broker2: "UP", waitingOnPartition1: 0));

        // Assert
        Assert.Contains("ev[1]: leader broker 2 at 127.0.0.1:9002 is unreachable (DOWN; 5 messages waiting)", during, StringComparison.Ordinal);
        Assert.Null(_watch.CurrentOutage);
    }

    [Theory]
    [InlineData("UP", 50)] // a healthy leader with a backlog
    [InlineData("DOWN", 0)] // an unreachable leader with nothing to send
    public void Observe_NothingWaitingOnAnUnreachableLeader_NoOutage(string state, int waiting)
    {
        // Act
        _watch.Observe(Sample(broker2: state, waitingOnPartition1: waiting));
        _watch.Observe(Sample(broker2: state, waitingOnPartition1: waiting));

        // Assert
        Assert.Null(_watch.CurrentOutage);
    }

    [Fact]
    public void Observe_EveryBrokerDown_LeftToTheFullOutageWarning()
    {
        // Act
        _watch.Observe(Sample(broker2: "DOWN", waitingOnPartition1: 9, othersState: "DOWN"));
        _watch.Observe(Sample(broker2: "DOWN", waitingOnPartition1: 9, othersState: "DOWN"));

        // Assert
        Assert.Null(_watch.CurrentOutage);
    }

    /// <summary>Brokers 1 and 3 in <paramref name="othersState"/>, broker 2 in <paramref name="broker2"/> (null: not listed); ev[1] led by 2.</summary>
    private static string Sample(string? broker2, int waitingOnPartition1, string othersState = "UP")
    {
        var brokers = new List<string>
        {
            Broker(1, othersState),
            Broker(3, othersState),
            "'127.0.0.1:9001/bootstrap': {'name': '127.0.0.1:9001/bootstrap', 'nodeid': -1, 'nodename': '127.0.0.1:9001', 'state': 'INIT'}",
        };
        if (broker2 is not null)
        {
            brokers.Add(Broker(2, broker2));
        }

        var waiting = waitingOnPartition1.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // Single quotes keep the sample readable; JSON needs double ones.
        return ("{'name': 'pipeline-producer#producer-1', 'type': 'producer', 'brokers': {" + string.Join(", ", brokers) + "}, " +
            "'topics': {'ev': {'topic': 'ev', 'partitions': {" +
            "'0': {'partition': 0, 'broker': 1, 'leader': 1, 'msgq_cnt': 3, 'xmit_msgq_cnt': 1}, " +
            "'1': {'partition': 1, 'broker': 2, 'leader': 2, 'msgq_cnt': " + waiting + ", 'xmit_msgq_cnt': 0}, " +
            "'2': {'partition': 2, 'broker': 3, 'leader': 3, 'msgq_cnt': 0, 'xmit_msgq_cnt': 2}, " +
            "'-1': {'partition': -1, 'broker': -1, 'leader': -1, 'msgq_cnt': 0, 'xmit_msgq_cnt': 0}}}}}").Replace('\'', '"');
    }

    private static string Broker(int id, string state) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"'127.0.0.1:900{id}/{id}': {{'name': '127.0.0.1:900{id}/{id}', 'nodeid': {id}, 'nodename': '127.0.0.1:900{id}', 'state': '{state}'}}");
}
