using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.StreamProcessor.Ingest;

namespace Pipeline.Tests.Configuration;

/// <summary>
/// <c>Kafka:Client:*</c>, the settings every Kafka client of a service shares (a secured cluster configured once),
/// set the way a container is configured: environment variables, where a librdkafka property's dots are written as
/// <c>__</c> (<c>Kafka__Client__sasl__mechanism</c>). The per-client sections override it.
/// </summary>
public sealed class KafkaClientSectionTests() : BrokerRunTest("client-section")
{
    private const string Secret = "Endpoint=sb://pipeline.example/;SharedAccessKey=s3cr3t-KEY";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task StreamProcessor_SharedSectionFromEnvironmentVariables_ReachesTheConsumerAndTheResultsProducer_ConsumerSectionWins()
    {
        // Arrange: Azure Event Hubs' Kafka endpoint, as its documentation configures a client.
        var environment = new Dictionary<string, string?>
        {
            ["Kafka__Client__security__protocol"] = "SASL_SSL",
            ["Kafka__Client__sasl__mechanism"] = "PLAIN",
            ["Kafka__Client__sasl__username"] = "$ConnectionString",
            ["Kafka__Client__sasl__password"] = Secret,
            ["Kafka__Consumer__sasl__username"] = "consumer-only",
        };

        // Act
        await using var processor = ServiceHosts.BuildStreamProcessor(Root, ProcessorSettings("section"), environment: environment);
        var consumer = processor.Services.GetRequiredService<KafkaConsumerFactory<string?, DecodedValue>>().Config;
        var results = processor.Services.GetRequiredService<ProducerConfig>();

        // Assert
        foreach (var config in new ClientConfig[] { consumer, results })
        {
            Assert.Equal("SASL_SSL", config.Get("security.protocol"));
            Assert.Equal("PLAIN", config.Get("sasl.mechanism"));
            Assert.Equal(Secret, config.SaslPassword);
            Assert.Equal(Broker.BootstrapServers, config.BootstrapServers);
        }

        Assert.Equal("consumer-only", consumer.SaslUsername);
        Assert.Equal("$ConnectionString", results.SaslUsername);
    }

    [Fact]
    public async Task Producer_SharedSectionAsProcessEnvironment_ConfiguresItsClient_AndLibrdkafkaLogsReachTheLogWithoutTheSecret()
    {
        // Arrange: SCRAM over plain text (the embedded broker speaks no SASL, so librdkafka keeps failing and logging),
        // librdkafka's security debug context on, and the service's Pipeline.* categories at Debug.
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__kafka"] = Broker.BootstrapServers,
            ["Pipeline__Producer__Topic"] = Topic,
            ["Kafka__Client__security__protocol"] = "SASL_PLAINTEXT",
            ["Kafka__Client__sasl__mechanism"] = "SCRAM-SHA-256",
            ["Kafka__Client__sasl__username"] = "pipeline",
            ["Kafka__Client__sasl__password"] = Secret,
            ["Kafka__Client__debug"] = "security,broker",
            ["Kafka__Producer__sasl__username"] = "producer-user",
            ["Logging__LogLevel__Pipeline"] = "Debug",
        };

        // Act
        using var producer = ServiceProcess.Start("Producer", environment);
        await producer.WaitForOutputAsync("Kafka producer config:", s_timeout);
        await producer.WaitForOutputAsync("Pipeline.Kafka.pipeline-producer[9007]", s_timeout);
        await producer.TerminateAsync(s_timeout);

        // Assert
        var output = producer.Output + producer.StandardError;
        var configText = output.Split('\n').First(static l => l.Contains("Kafka producer config:", StringComparison.Ordinal));
        Assert.Contains("librdkafka SASL", output, StringComparison.Ordinal); // a line of the security debug context
        Assert.Contains("sasl.mechanism=SCRAM-SHA-256", configText, StringComparison.Ordinal);
        Assert.Contains("sasl.username=producer-user", configText, StringComparison.Ordinal);
        Assert.Contains("sasl.password=***", configText, StringComparison.Ordinal);
        Assert.Contains("security.protocol=SASL_PLAINTEXT", configText, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-KEY", output, StringComparison.Ordinal);
    }
}
