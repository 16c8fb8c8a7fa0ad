using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.StreamProcessor.Ingest;
using Pipeline.Tests.Kafka.Faults;
using Pipeline.Tests.Pipeline;

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
        var processorSettings = new Dictionary<string, string?>(security)
        {
            ["ConnectionStrings:kafka"] = Broker.BootstrapServers,
            ["Pipeline:Processor:Topic"] = Topic,
            ["Pipeline:Processor:GroupId"] = "group-" + Topic,
            ["Pipeline:Processor:StartupBackoff"] = "00:00:00.200",
            ["Pipeline:Output:OutputPath"] = Path.Combine(Root, "output"),
            ["Pipeline:Output:RunId"] = "secrets",
        };
        var cancellation = TestContext.Current.CancellationToken;

        // Act: both services try (and fail) to reach the broker for a few seconds, log their
        // client configuration and every client error.
        await using var producer = ServiceHosts.BuildProducer(Root, producerSettings, Observe);
        await using var processor = ServiceHosts.BuildStreamProcessor(Root, processorSettings, Observe);
        await producer.StartAsync(cancellation);
        await processor.StartAsync(cancellation);
        var consumers = processor.Services.GetRequiredService<KafkaConsumerFactory<string?, DecodedValue>>();
        var consumerConfig = consumers.Config;
        processor.Services.GetRequiredService<IProducer<byte[]?, byte[]>>(); // the result producer
        using (consumers.Create())
        {
            await Task.Delay(TimeSpan.FromSeconds(4), cancellation);
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
        var lines = logs.Entries.Select(e => $"{e.Level}: {e.Message}").ToList();
        var text = string.Join(Environment.NewLine, lines);
        Assert.Contains(lines, l => l.Contains("Kafka producer config:", StringComparison.Ordinal) && l.Contains("sasl.password=***", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Kafka client config:", StringComparison.Ordinal) && l.Contains("sasl.password=***", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Warning", StringComparison.Ordinal)); // the failing authentication was reported
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

        // Act
        await Task.Delay(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken);
        var exitCode = await producer.TerminateAsync(TimeSpan.FromSeconds(30));

        // Assert
        var output = producer.Output;
        Assert.True(exitCode == 0, $"Exit code {exitCode}. Output:\n{output}");
        Assert.Contains("sasl.password=***", output, StringComparison.Ordinal); // the config was printed, masked
        Assert.Contains("SASL", output, StringComparison.Ordinal); // and the authentication failure reported
        AssertNoSecret("process output", output);
    }

    private static void AssertNoSecret(string where, string text)
    {
        foreach (var secret in new[] { ProducerSecret, ConsumerSecret })
        {
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"The secret {secret} appears in the {where}:\n{text}");
        }
    }
}
