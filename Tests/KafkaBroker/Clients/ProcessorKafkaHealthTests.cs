using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.StreamProcessor.Kafka;

namespace Pipeline.Tests.KafkaBroker.Clients;

/// <summary>
/// The StreamProcessor's <c>kafka</c> health check connects the way its consumer does: every
/// <c>Kafka:Consumer:*</c> setting (security, addresses, tuning) reaches both. It used to be built from
/// the bootstrap servers alone, so on a SASL/TLS cluster <c>/health</c> said unhealthy while the consumer worked.
/// </summary>
public sealed class ProcessorKafkaHealthTests() : BrokerRunTest("health")
{
    private const string Secret = "h3alth-PASSWORD";

    [Fact]
    public async Task KafkaHealthCheck_ConsumerReachesTheBrokerOnlyThroughItsOwnSettings_IsHealthyWhileTheConsumerWorks()
    {
        // Arrange: the connection string leads nowhere; the consumer's own setting leads to the broker
        // (as SASL/TLS settings would: a client without them cannot connect).
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, 1);
        var settings = ProcessorSettings("health");
        settings["ConnectionStrings:kafka"] = "127.0.0.1:1";
        settings["Kafka:Consumer:bootstrap.servers"] = Broker.BootstrapServers;
        settings["Kafka:Producer:bootstrap.servers"] = Broker.BootstrapServers;
        var cancellation = TestContext.Current.CancellationToken;
        await using var processor = ServiceHosts.BuildStreamProcessor(Root, settings);
        var worker = processor.Services.GetRequiredService<StreamProcessorWorker>();
        await processor.StartAsync(cancellation);
        await PipelineTestKit.WaitUntilAsync(() => worker.Lanes.Count > 0, "the consumer's partition assignment", TimeSpan.FromSeconds(30));

        // Act
        var report = await processor.Services.GetRequiredService<HealthCheckService>()
            .CheckHealthAsync(check => check.Name == "kafka", cancellation).WaitAsync(TimeSpan.FromSeconds(30), cancellation);
        await processor.StopAsync(cancellation).WaitAsync(TimeSpan.FromSeconds(30), cancellation);

        // Assert
        var entry = Assert.Single(report.Entries).Value;
        Assert.True(entry.Status == HealthStatus.Healthy, $"kafka: {entry.Status} ({entry.Description}) while the consumer is assigned.");
    }

    [Fact]
    public async Task KafkaHealthCheck_ConsumerWithSaslTheBrokerDoesNotSpeak_IsUnhealthyLikeTheConsumerAndHidesTheSecret()
    {
        // Arrange: the embedded broker speaks no SASL, so a client with the consumer's settings cannot connect;
        // a check that ignored them would connect in plain text and report healthy.
        var settings = ProcessorSettings("health-sasl");
        settings["Kafka:Consumer:security.protocol"] = "SASL_PLAINTEXT";
        settings["Kafka:Consumer:sasl.mechanism"] = "PLAIN";
        settings["Kafka:Consumer:sasl.username"] = "pipeline";
        settings["Kafka:Consumer:sasl.password"] = Secret;
        var cancellation = TestContext.Current.CancellationToken;
        await using var processor = ServiceHosts.BuildStreamProcessor(Root, settings);

        // Act: the host is not started; only the check runs.
        var report = await processor.Services.GetRequiredService<HealthCheckService>()
            .CheckHealthAsync(check => check.Name == "kafka", cancellation).WaitAsync(TimeSpan.FromSeconds(30), cancellation);

        // Assert
        var entry = Assert.Single(report.Entries).Value;
        Assert.True(entry.Status == HealthStatus.Unhealthy, $"kafka: {entry.Status} ({entry.Description}) though no SASL client can connect.");
        Assert.DoesNotContain(Secret, entry.Description ?? string.Empty, StringComparison.Ordinal);
    }
}
