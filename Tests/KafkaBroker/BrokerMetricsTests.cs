using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Pipeline.KafkaBroker;
using Pipeline.KafkaBroker.Telemetry;

namespace Pipeline.Tests.KafkaBroker;

/// <summary>
/// The broker's own meter. Each test listens only to its broker's meter (its own meter factory, or
/// the port tag on the meter), so brokers of tests running alongside never count.
/// </summary>
public sealed class BrokerMetricsTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Produce_RecordsToAFreshBroker_CountsBytesAndProduceRequestsAndGaugesTheLogEndOffset()
    {
        // Arrange
        const int Records = 25;
        var cancellationToken = TestContext.Current.CancellationToken;
        using var recorder = new BrokerMeterRecorder();
        await using var broker = await KafkaBrokerServer.StartAsync(
            new KafkaBrokerOptions { Port = 0 }, meterFactory: recorder.MeterFactory, cancellationToken: cancellationToken);
        var topic = "metrics-" + Guid.NewGuid().ToString("N")[..8];

        // Act
        Measurement[] measurements;
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            Acks = Acks.All,
        }).Build())
        {
            for (var i = 0; i < Records; i++)
            {
                await producer.ProduceAsync(topic, new Message<Null, string> { Value = "record-" + i }, cancellationToken)
                    .WaitAsync(s_timeout, cancellationToken);
            }

            measurements = recorder.Snapshot(); // while the producer's connections are still open
        }

        // Assert
        long Sum(string name) => measurements.Where(m => m.Instrument == name).Sum(m => m.Value);
        Assert.True(Sum(KafkaBrokerTelemetry.Names.BytesReceived) > 0);
        Assert.True(Sum(KafkaBrokerTelemetry.Names.BytesSent) > 0);
        Assert.True(Sum(KafkaBrokerTelemetry.Names.Connections) > 0, "the producer's connections are open");
        var produceRequests = measurements
            .Where(m => m.Instrument == KafkaBrokerTelemetry.Names.Requests && Equals(m.Tags[KafkaBrokerTelemetry.Tags.ApiKey], "Produce"))
            .Sum(m => m.Value);
        Assert.InRange(produceRequests, 1, Records);
        var endOffset = Assert.Single(measurements, m =>
            m.Instrument == KafkaBrokerTelemetry.Names.LogEndOffset && Equals(m.Tags[KafkaBrokerTelemetry.Tags.Topic], topic));
        Assert.Equal(0, endOffset.Tags[KafkaBrokerTelemetry.Tags.Partition]);
        Assert.Equal(Records, endOffset.Value);
    }

    [Fact]
    public async Task RetentionCheck_InMemoryBrokerOverItsByteLimit_CountsDeletedSegmentsAndBytesAndGaugesTheLogStart()
    {
        // Arrange: a broker in memory, one batch per segment, nothing kept beyond the active segment.
        const int Records = 4;
        var cancellationToken = TestContext.Current.CancellationToken;
        using var recorder = new BrokerMeterRecorder();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new KafkaBrokerOptions { Port = 0, SegmentBytes = 14, RetentionBytes = 0, RetentionCheckInterval = TimeSpan.FromMinutes(1) };
        await using var broker = await KafkaBrokerServer.StartAsync(options, timeProvider: clock, meterFactory: recorder.MeterFactory, cancellationToken: cancellationToken);
        var topic = "metrics-" + Guid.NewGuid().ToString("N")[..8];
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, LingerMs = 0 }).Build())
        {
            for (var i = 0; i < Records; i++)
            {
                await producer.ProduceAsync(topic, new Message<Null, string> { Value = "record-" + i }, cancellationToken)
                    .WaitAsync(s_timeout, cancellationToken);
            }
        }

        Assert.True(broker.Context.Topics.TryGet(topic, out var log));
        var sizeBefore = log.Partitions[0].Size;

        // Act
        clock.Advance(options.RetentionCheckInterval);
        var measurements = recorder.Snapshot();

        // Assert: three segments deleted (all but the active one), their bytes counted, the log start at 3.
        long Sum(string name) => measurements
            .Where(m => m.Instrument == name && Equals(m.Tags[KafkaBrokerTelemetry.Tags.Topic], topic))
            .Sum(m => m.Value);
        Assert.Equal(Records - 1, Sum(KafkaBrokerTelemetry.Names.RetentionSegmentsDeleted));
        Assert.Equal(sizeBefore - log.Partitions[0].Size, Sum(KafkaBrokerTelemetry.Names.RetentionBytesDeleted));
        Assert.True(Sum(KafkaBrokerTelemetry.Names.RetentionBytesDeleted) > 0);
        Assert.Equal(Records - 1, Sum(KafkaBrokerTelemetry.Names.LogStartOffset));
    }

    [Fact]
    public async Task DisposeAsync_BrokerWithoutMeterFactory_DisposesItsOwnMeter()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0 }, cancellationToken: cancellationToken);
        var completed = new ConcurrentBag<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == KafkaBrokerTelemetry.MeterName && instrument.Meter.Scope is null &&
                    instrument.Meter.Tags?.Any(t => t.Key == KafkaBrokerTelemetry.Tags.ServerPort && Equals(t.Value, broker.Port)) == true)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
            MeasurementsCompleted = (instrument, _) => completed.Add(instrument.Name),
        };
        listener.Start();

        // Act
        await broker.DisposeAsync();

        // Assert
        Assert.Equal(
            [
                KafkaBrokerTelemetry.Names.BytesReceived, KafkaBrokerTelemetry.Names.BytesSent, KafkaBrokerTelemetry.Names.Connections,
                KafkaBrokerTelemetry.Names.LogEndOffset, KafkaBrokerTelemetry.Names.LogStartOffset, KafkaBrokerTelemetry.Names.Requests,
                KafkaBrokerTelemetry.Names.RetentionBytesDeleted, KafkaBrokerTelemetry.Names.RetentionSegmentsDeleted,
            ],
            completed.Order(StringComparer.Ordinal));
    }

    private sealed record Measurement(string Instrument, long Value, Dictionary<string, object?> Tags);

    /// <summary>
    /// Records the long measurements of the broker meter created by its own <see cref="MeterFactory"/> (the meter's
    /// scope), so a broker of another test never counts.
    /// </summary>
    private sealed class BrokerMeterRecorder : IDisposable
    {
        private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        private readonly ConcurrentQueue<Measurement> _measurements = new();
        private readonly MeterListener _listener;

        public BrokerMeterRecorder()
        {
            MeterFactory = _services.GetRequiredService<IMeterFactory>();
            _listener = new MeterListener
            {
                InstrumentPublished = (instrument, l) =>
                {
                    if (ReferenceEquals(instrument.Meter.Scope, MeterFactory) && instrument.Meter.Name == KafkaBrokerTelemetry.MeterName)
                    {
                        l.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
                _measurements.Enqueue(new Measurement(instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
            _listener.Start();
        }

        /// <summary>The factory to give the broker.</summary>
        public IMeterFactory MeterFactory { get; }

        /// <summary>Every measurement so far, the observable gauges read now.</summary>
        public Measurement[] Snapshot()
        {
            _listener.RecordObservableInstruments();
            return [.. _measurements];
        }

        public void Dispose()
        {
            _listener.Dispose();
            _services.Dispose();
        }
    }
}
