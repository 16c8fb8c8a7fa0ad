using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.StreamProcessor.Ingest;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// SASL passwords pass through to the Kafka clients but never reach a log line (at any level,
/// exceptions included), a span or a metric. The embedded broker speaks no SASL, so the clients
/// keep failing to authenticate: the error paths log too.
/// </summary>
public sealed class SecretRedactionTests() : BrokerRunTest("secrets")
{
    private const string ProducerSecret = "s3cr3t-PASSWORD";
    private const string ConsumerSecret = "c0nsum3r-PASSWORD";

    /// <summary>What librdkafka reports when the broker (the embedded one speaks no SASL) refuses the handshake.</summary>
    private const string AuthenticationFailure = "SASL authentication";

    [Fact]
    public async Task Services_WithSaslPasswords_PassThemToTheClientsAndNeverLogOrTraceThem()
    {
        // Arrange
        var logs = new CapturingLoggerProvider { MinimumLevel = LogLevel.Trace, IncludeExceptions = true };
        var activities = new List<Activity>();
        var metrics = new List<Metric>();
        void Observe(IServiceCollection services)
        {
            services.AddSingleton<ILoggerProvider>(logs);
            services.Configure<LoggerFilterOptions>(options =>
                options.Rules.Add(new LoggerFilterRule(typeof(CapturingLoggerProvider).FullName, null, LogLevel.Trace, null)));
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(activities));
            services.ConfigureOpenTelemetryMeterProvider(meters => meters.AddInMemoryExporter(metrics));
        }

        var security = new Dictionary<string, string?>
        {
            ["Kafka:Producer:security.protocol"] = "SASL_PLAINTEXT",
            ["Kafka:Producer:sasl.mechanism"] = "PLAIN",
            ["Kafka:Producer:sasl.username"] = "pipeline",
            ["Kafka:Producer:sasl.password"] = ProducerSecret,
            ["Kafka:Consumer:security.protocol"] = "SASL_PLAINTEXT",
            ["Kafka:Consumer:sasl.mechanism"] = "PLAIN",
            ["Kafka:Consumer:sasl.username"] = "pipeline",
            ["Kafka:Consumer:sasl.password"] = ConsumerSecret,
        };
        var producerSettings = new Dictionary<string, string?>(security)
        {
            ["ConnectionStrings:kafka"] = Broker.BootstrapServers,
            ["Pipeline:Producer:Topic"] = Topic,
            ["Pipeline:Producer:MessagesPerSecond"] = "100",
            ["Pipeline:Producer:StartupBackoff"] = "00:00:00.200",
            ["Pipeline:Producer:MaxStartupBackoff"] = "00:00:00.500",
            ["Pipeline:Producer:FlushTimeout"] = "00:00:01",
        };
        var processorSettings = ProcessorTestSettings.Placement(Broker.BootstrapServers, Topic, Path.Combine(Root, "output"), "secrets",
            more: new Dictionary<string, string?>(security) { ["Pipeline:Processor:StartupBackoff"] = "00:00:00.200" });
        var cancellation = TestContext.Current.CancellationToken;

        // Act: both services try (and fail) to reach the broker until they have logged their client
        // configuration, the failed authentication and the outage it amounts to.
        await using var producer = ServiceHosts.BuildProducer(Root, producerSettings, Observe);
        await using var processor = ServiceHosts.BuildStreamProcessor(Root, processorSettings, Observe);
        await producer.StartAsync(cancellation);
        await processor.StartAsync(cancellation);
        var consumers = processor.Services.GetRequiredService<KafkaConsumerFactory<string?, DecodedValue>>();
        var consumerConfig = consumers.Config;
        processor.Services.GetRequiredService<IProducer<byte[]?, byte[]>>(); // the result producer
        using (consumers.Create())
        {
            await PipelineTestKit.WaitUntilAsync(
                () => Lines(logs),
                lines => lines.Any(IsProducerConfig) && lines.Any(IsClientConfig) && lines.Any(IsAuthenticationFailure) && lines.Any(IsOutage),
                lines => $"the configuration, authentication failure and outage lines. Logs:\n{string.Join(Environment.NewLine, lines)}",
                TimeSpan.FromSeconds(30));
        }

        var producerConfig = producer.Services.GetRequiredService<ProducerConfig>();
        await producer.StopAsync(cancellation).WaitAsync(TimeSpan.FromSeconds(30), cancellation);
        await processor.StopAsync(cancellation).WaitAsync(TimeSpan.FromSeconds(30), cancellation);
        // Disposing the hosts disposes their tracer and meter providers: the exporters stop adding to
        // the lists (tests running alongside use the same activity sources and meters).
        await producer.DisposeAsync();
        await processor.DisposeAsync();

        // Assert: the settings reached the clients.
        Assert.Equal(ProducerSecret, producerConfig.SaslPassword);
        Assert.Equal(ConsumerSecret, consumerConfig.SaslPassword);
        Assert.Equal("SASL_PLAINTEXT", consumerConfig.Get("security.protocol"));

        // Assert: the logs described the configuration and the failures, without the secrets.
        var lines = Lines(logs);
        var text = string.Join(Environment.NewLine, lines);
        Assert.Contains(lines, l => IsProducerConfig(l) && l.Contains("sasl.password=***", StringComparison.Ordinal));
        Assert.Contains(lines, l => IsClientConfig(l) && l.Contains("sasl.password=***", StringComparison.Ordinal));
        Assert.Contains(lines, IsAuthenticationFailure); // the failing authentication was reported
        Assert.Contains(lines, IsOutage);
        AssertNoSecret("logs", text);

        // Assert: spans and metrics.
        await Task.Yield();
        var telemetry = new StringBuilder();
        lock (activities)
        {
            foreach (var activity in activities)
            {
                telemetry.AppendLine($"{activity.DisplayName} {activity.StatusDescription}");
                foreach (var tag in activity.TagObjects)
                {
                    telemetry.AppendLine($"{tag.Key}={tag.Value}");
                }

                foreach (var activityEvent in activity.Events)
                {
                    telemetry.AppendLine(activityEvent.Name);
                    foreach (var tag in activityEvent.Tags)
                    {
                        telemetry.AppendLine($"{tag.Key}={tag.Value}");
                    }
                }
            }
        }

        lock (metrics)
        {
            foreach (var metric in metrics)
            {
                telemetry.AppendLine($"{metric.Name} {metric.Description}");
                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    foreach (var tag in point.Tags)
                    {
                        telemetry.AppendLine($"{tag.Key}={tag.Value}");
                    }
                }
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{lines.Count} log lines, {activities.Count} spans, {metrics.Count} metrics checked");
        AssertNoSecret("spans and metrics", telemetry.ToString());
    }

    [Fact]
    public async Task ProducerProcess_AtDebugLevelWithSaslPassword_NeverPrintsIt()
    {
        // Arrange: the real process and its console logger, everything at Debug (librdkafka included).
        using var producer = ServiceProcess.Start("Producer", new Dictionary<string, string>
        {
            ["ConnectionStrings__kafka"] = Broker.BootstrapServers,
            ["Pipeline__Producer__Topic"] = Topic,
            ["Pipeline__Producer__StartupBackoff"] = "00:00:00.200",
            ["Pipeline__Producer__MaxStartupBackoff"] = "00:00:00.500",
            ["Kafka__Producer__security.protocol"] = "SASL_PLAINTEXT",
            ["Kafka__Producer__sasl.mechanism"] = "PLAIN",
            ["Kafka__Producer__sasl.username"] = "pipeline",
            ["Kafka__Producer__sasl.password"] = ProducerSecret,
            ["Kafka__Producer__debug"] = "security,broker,conf",
            ["Logging__LogLevel__Default"] = "Debug",
        });

        // Act: run until the host has started (so SIGTERM is a graceful stop) and the masked configuration
        // and the failed authentication are printed.
        await PipelineTestKit.WaitUntilAsync(
            () => producer.Output,
            output => output.Contains("Application started", StringComparison.Ordinal) &&
                output.Contains("sasl.password=***", StringComparison.Ordinal) && output.Contains(AuthenticationFailure, StringComparison.Ordinal),
            output => $"the start, the masked configuration and the authentication failure. Output:\n{output}",
            TimeSpan.FromSeconds(30));
        var exitCode = await producer.TerminateAsync(TimeSpan.FromSeconds(30));

        // Assert
        var output = producer.Output;
        Assert.True(exitCode == 0, $"Exit code {exitCode}. Output:\n{output}");
        Assert.Contains("sasl.password=***", output, StringComparison.Ordinal); // the config was printed, masked
        // and the authentication failure reported ("SASL" alone would match security.protocol=SASL_PLAINTEXT in the config line)
        Assert.Contains(AuthenticationFailure, output, StringComparison.Ordinal);
        AssertNoSecret("process output", output);
    }

    private static List<string> Lines(CapturingLoggerProvider logs) => [.. logs.Entries.Select(e => $"{e.Level}: {e.Message}")];

    private static bool IsProducerConfig(string line) => line.Contains("Kafka producer config:", StringComparison.Ordinal);

    private static bool IsClientConfig(string line) => line.Contains("Kafka client config:", StringComparison.Ordinal);

    private static bool IsAuthenticationFailure(string line) =>
        line.StartsWith("Warning", StringComparison.Ordinal) && line.Contains(AuthenticationFailure, StringComparison.Ordinal);

    private static bool IsOutage(string line) =>
        line.StartsWith("Warning", StringComparison.Ordinal) && line.Contains("Lost the connection to every Kafka broker", StringComparison.Ordinal);

    private static void AssertNoSecret(string where, string text)
    {
        foreach (var secret in new[] { ProducerSecret, ConsumerSecret })
        {
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"The secret {secret} appears in the {where}:\n{text}");
        }
    }
}
