using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.Tests.ServiceDefaults;

public sealed class KafkaClientConfigurationTests
{
    [Fact]
    public void GetBootstrapServers_PrefersTheAspireConnectionString()
    {
        var configuration = Build(new() { ["ConnectionStrings:kafka"] = "a:1", ["KAFKA_BOOTSTRAP_SERVERS"] = "b:2" });

        Assert.Equal("a:1", KafkaConnection.GetBootstrapServers(configuration));
    }

    [Fact]
    public void GetBootstrapServers_FallsBackToTheSeedVariable()
    {
        var configuration = Build(new() { ["KAFKA_BOOTSTRAP_SERVERS"] = "b:2" });

        Assert.Equal("b:2", KafkaConnection.GetBootstrapServers(configuration));
    }

    [Fact]
    public void Describe_MasksSecrets()
    {
        var config = new ProducerConfig { BootstrapServers = "x:1", SaslUsername = "alice", SaslPassword = "hunter2" };
        config.Set("sasl.oauthbearer.client.secret", "s3cret");

        var text = KafkaClientConfiguration.Describe(config);

        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", text, StringComparison.Ordinal);
        Assert.Contains("sasl.username=alice", text, StringComparison.Ordinal);
        Assert.Contains("sasl.password=***", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_PassesDottedKeysAndTypedPropertiesThrough()
    {
        var section = Build(new()
        {
            ["Kafka:Consumer:fetch.wait.max.ms"] = "250",
            ["Kafka:Consumer:SessionTimeoutMs"] = "7000",
        }).GetSection("Kafka:Consumer");

        var config = KafkaClientConfiguration.Apply(new ConsumerConfig(), section);

        Assert.Equal(250, config.FetchWaitMaxMs);
        Assert.Equal(7000, config.SessionTimeoutMs);
    }

    [Fact]
    public void Apply_UnknownTypedSetting_FailsNamingIt()
    {
        var section = Build(new() { ["Kafka:Producer:NoSuchThing"] = "1" }).GetSection("Kafka:Producer");

        var ex = Assert.Throws<InvalidOperationException>(() => KafkaClientConfiguration.Apply(new ProducerConfig(), section));

        Assert.Contains("Kafka:Producer:NoSuchThing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_EnumSetting_AcceptsLibrdkafkaSpelling()
    {
        var section = Build(new() { ["Kafka:Producer:SecurityProtocol"] = "SASL_SSL" }).GetSection("Kafka:Producer");

        var config = KafkaClientConfiguration.Apply(new ProducerConfig(), section);

        Assert.Equal(SecurityProtocol.SaslSsl, config.SecurityProtocol);
    }

    [Fact]
    public void Create_SharedClientSection_AppliesToTheClient_ItsOwnSectionOverridesIt()
    {
        var configuration = Build(new()
        {
            ["ConnectionStrings:kafka"] = "a:1",
            ["Kafka:Client:security.protocol"] = "SASL_SSL",
            ["Kafka:Client:sasl.mechanism"] = "SCRAM-SHA-512",
            ["Kafka:Client:sasl.username"] = "shared",
            ["Kafka:Producer:sasl.username"] = "producer",
        });

        var producer = KafkaClientConfiguration.Create(configuration, "kafka", KafkaClientConfiguration.ProducerSection, new ProducerConfig());
        var consumer = KafkaClientConfiguration.Create(configuration, "kafka", KafkaClientConfiguration.ConsumerSection, new ConsumerConfig());

        Assert.Equal("SCRAM-SHA-512", producer.Get("sasl.mechanism"));
        Assert.Equal("SCRAM-SHA-512", consumer.Get("sasl.mechanism"));
        Assert.Equal("SASL_SSL", consumer.Get("security.protocol"));
        Assert.Equal("producer", producer.SaslUsername);
        Assert.Equal("shared", consumer.SaslUsername);
    }

    [Fact]
    public void Create_BootstrapServersOnlyInTheSharedSection_AreEnough()
    {
        var configuration = Build(new() { ["Kafka:Client:bootstrap.servers"] = "cluster:9093" });

        var config = KafkaClientConfiguration.Create(configuration, "kafka", KafkaClientConfiguration.ConsumerSection, new ConsumerConfig());

        Assert.Equal("cluster:9093", config.BootstrapServers);
    }

    [Fact]
    public void Apply_NestedKeys_AreTheDottedLibrdkafkaName()
    {
        // What the environment variables Kafka__Client__sasl__mechanism and Kafka__Client__ssl__ca__location become.
        var section = Build(new()
        {
            ["Kafka:Client:sasl:mechanism"] = "PLAIN",
            ["Kafka:Client:ssl:ca:location"] = "/etc/ssl/ca.pem",
        }).GetSection(KafkaClientConfiguration.ClientSection);

        var config = KafkaClientConfiguration.Apply(new ConsumerConfig(), section);

        Assert.Equal("PLAIN", config.Get("sasl.mechanism"));
        Assert.Equal("/etc/ssl/ca.pem", config.SslCaLocation);
    }

    [Fact]
    public void Apply_EmptyValue_IsUnset()
    {
        var section = Build(new() { ["Kafka:Consumer:sasl.password"] = "", ["Kafka:Consumer:ClientId"] = "" }).GetSection("Kafka:Consumer");

        var config = KafkaClientConfiguration.Apply(new ConsumerConfig { ClientId = "kept" }, section);

        Assert.Null(config.Get("sasl.password"));
        Assert.Equal("kept", config.ClientId);
    }

    [Fact]
    public void TraceContext_InjectThenExtract_RoundTripsTheSpanContext()
    {
        using var source = new ActivitySource("test-trace-context");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var activity = source.StartActivity("publish", ActivityKind.Producer)!;
        var headers = new Headers();

        TraceContextHeaders.Inject(activity, headers);
        var extracted = TraceContextHeaders.Extract(headers);

        Assert.True(headers.TryGetLastBytes("traceparent", out _));
        Assert.Equal(activity.TraceId, extracted.TraceId);
        Assert.Equal(activity.SpanId, extracted.SpanId);
    }

    [Fact]
    public void TraceContext_ExtractWithoutHeaders_IsDefault()
    {
        Assert.Equal(default, TraceContextHeaders.Extract(null));
        Assert.Equal(default, TraceContextHeaders.Extract([]));
    }

    private static IConfiguration Build(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
