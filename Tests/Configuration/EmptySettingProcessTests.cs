using System.Reflection;
using System.Text;
using Confluent.Kafka;
using Pipeline.Producer;
using Pipeline.StreamProcessor;
using Pipeline.StreamProcessor.Ingest;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.Tests.Configuration;

/// <summary>
/// Every structured setting of both services given as an empty environment variable, as compose passes a
/// <c>${VAR}</c> that its <c>.env</c> leaves empty: each counts as not set, so the built services start from their
/// build output with their defaults and do their work. Before, <c>Pipeline__Producer__MessagesPerSecond=</c> stopped
/// the Producer (<c>Failed to convert configuration value '' … to type 'System.Double'</c>, exit 134).
/// </summary>
public sealed class EmptySettingProcessTests() : BrokerRunTest("empty-settings")
{
    private const string DefaultTopic = "events";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Producer_EveryOptionEmpty_PublishesWithTheDefaults()
    {
        // Arrange
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, DefaultTopic, partitions: 1);
        var environment = EmptyOptions(ProducerOptions.SectionName, typeof(ProducerOptions));
        environment["ConnectionStrings__kafka"] = Broker.BootstrapServers;
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = Broker.BootstrapServers, GroupId = "watermarks" }).Build();

        // Act
        using var producer = ServiceProcess.Start("Producer", environment, workingDirectory: Root);

        // Assert: the default topic and rate, and events on the topic.
        await WaitUntilAsync(producer, () => producer.Output.Contains($"Publishing to {DefaultTopic} at 5 msg/s", StringComparison.Ordinal),
            "the start line with the default topic and rate");
        await WaitUntilAsync(producer, () => consumer.QueryWatermarkOffsets(new TopicPartition(DefaultTopic, 0), TimeSpan.FromSeconds(5)).High.Value >= 2,
            $"events on {DefaultTopic}");
    }

    [Fact]
    public async Task StreamProcessor_EveryOptionEmpty_CommitsWithTheDefaults()
    {
        // Arrange: a few valid events on the default topic.
        const int Events = 5;
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, DefaultTopic, partitions: 1);
        PipelineTestKit.ProduceRaw(Broker.BootstrapServers, DefaultTopic, Enumerable.Range(0, Events).Select(i => ((string?)"1",
            Encoding.UTF8.GetBytes($$"""{"id":1,"ts":"2026-01-01T00:00:0{{i}}.000Z","value":{{i}},"source":"empty-test"}"""))));
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (section, options) in new[]
                 {
                     (ProcessorOptions.SectionName, typeof(ProcessorOptions)), (SinkOptions.SectionName, typeof(SinkOptions)),
                     (WindowingOptions.SectionName, typeof(WindowingOptions)), (IngestOptions.SectionName, typeof(IngestOptions)),
                 })
        {
            foreach (var (key, value) in EmptyOptions(section, options))
            {
                environment[key] = value;
            }
        }

        environment["ConnectionStrings__output"] = string.Empty;
        environment["ConnectionStrings__kafka"] = Broker.BootstrapServers;
        // The default output folder (data/output) is relative to where the service starts.
        var runDirectory = TestRun.Local(Path.Combine(Root, "data", "output"), "default").Directory;

        // Act
        using var processor = ServiceProcess.Start("StreamProcessor", environment, workingDirectory: Root);

        // Assert: the default trigger commits every event into the default run folder.
        await WaitUntilAsync(processor, () => PipelineTestKit.CommittedRows(runDirectory) == Events,
            $"{Events} rows committed under {runDirectory}");
    }

    /// <summary><c>Section__Property=</c> for every settable property of an options class: the names a person or compose gives.</summary>
    private static Dictionary<string, string> EmptyOptions(string sectionName, Type options)
    {
        var names = options.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(static property => property.SetMethod is { IsPublic: true })
            .Select(property => sectionName.Replace(":", "__", StringComparison.Ordinal) + "__" + property.Name)
            .ToList();
        Assert.NotEmpty(names);
        return names.ToDictionary(static name => name, static _ => string.Empty, StringComparer.Ordinal);
    }

    private static async Task WaitUntilAsync(ServiceProcess service, Func<bool> condition, string what)
    {
        try
        {
            await PipelineTestKit.WaitUntilAsync(() => service.HasExited || condition(), what, s_timeout);
            Assert.False(service.HasExited, $"The service exited while waiting for {what}. Output:\n{service.Output}");
        }
        catch (Xunit.Sdk.XunitException e) when (!e.Message.Contains("Output:", StringComparison.Ordinal))
        {
            throw new Xunit.Sdk.XunitException($"{e.Message} Service output:\n{service.Output}");
        }
    }
}
