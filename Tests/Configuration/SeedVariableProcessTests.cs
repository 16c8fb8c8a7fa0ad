using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace Pipeline.Tests.Configuration;

/// <summary>
/// The seed's flat variables, through a real process environment, to the built services started from their
/// build output folder (so each loads its own appsettings.json), against the embedded broker: the proof is
/// where the data goes, not what an options object says.
/// </summary>
public sealed class SeedVariableProcessTests() : BrokerRunTest("seed-vars")
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task StreamProcessor_SeedVariables_ConsumesThatTopicIntoThatOutput()
    {
        // Arrange: a few valid events on a topic only KAFKA_TOPIC names.
        const int Events = 5;
        const string RunId = "seed-run";
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, partitions: 1);
        PipelineTestKit.ProduceRaw(Broker.BootstrapServers, Topic, Enumerable.Range(0, Events).Select(i => ((string?)"1",
            Encoding.UTF8.GetBytes($$"""{"id":1,"ts":"2026-01-01T00:00:0{{i}}.000Z","value":{{i}},"source":"seed-test"}"""))));
        var runDirectory = TestRun.Local(OutputPath, RunId).Directory;

        // Act
        using var processor = ServiceProcess.Start("StreamProcessor", new Dictionary<string, string>
        {
            ["KAFKA_BOOTSTRAP_SERVERS"] = Broker.BootstrapServers,
            ["KAFKA_TOPIC"] = Topic,
            ["OUTPUT_PATH"] = OutputPath,
            ["RUN_ID"] = RunId,
            ["Pipeline__Output__TriggerInterval"] = "00:00:00.300", // commits within a second, not five
        });

        // Assert
        await WaitUntilAsync(processor, () => PipelineTestKit.CommittedRows(runDirectory) == Events,
            $"{Events} rows of {Topic} committed under {runDirectory}");
    }

    [Fact]
    public async Task Producer_SeedVariables_PublishesToThatTopicAtThatRate()
    {
        // Arrange
        const int Events = 20;
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, partitions: 1);
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = Broker.BootstrapServers, GroupId = "watermarks" }).Build();

        // Act
        using var producer = ServiceProcess.Start("Producer", new Dictionary<string, string>
        {
            ["KAFKA_BOOTSTRAP_SERVERS"] = Broker.BootstrapServers,
            ["KAFKA_TOPIC"] = Topic,
            ["MSGS_PER_SEC"] = "250",
            ["Pipeline__Producer__TotalMessages"] = Events.ToString(CultureInfo.InvariantCulture),
            ["Pipeline__Producer__ExitWhenDone"] = "true",
        });

        // Assert
        await WaitUntilAsync(producer, () => producer.Output.Contains($"Publishing to {Topic} at 250 msg/s", StringComparison.Ordinal),
            $"the start line naming {Topic} and 250 msg/s");
        await WaitUntilAsync(producer, () => consumer.QueryWatermarkOffsets(new TopicPartition(Topic, 0), TimeSpan.FromSeconds(5)).High.Value == Events,
            $"{Events} events on {Topic}");
    }

    /// <summary>Waits for <paramref name="condition"/>; a timeout fails with the service's output.</summary>
    private static async Task WaitUntilAsync(ServiceProcess service, Func<bool> condition, string what)
    {
        try
        {
            await PipelineTestKit.WaitUntilAsync(condition, what, s_timeout);
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message} Service output:\n{service.Output}");
        }
    }
}
