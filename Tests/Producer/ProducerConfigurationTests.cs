using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pipeline.Producer;
using Pipeline.Producer.Extensions;

namespace Pipeline.Tests.Producer;

public sealed class ProducerConfigurationTests
{
    [Fact]
    public void Options_SeedAliases_AreHonoured()
    {
        var options = Resolve(new() { ["KAFKA_TOPIC"] = "sensors", ["MSGS_PER_SEC"] = "12.5" });

        Assert.Equal("sensors", options.Topic);
        Assert.Equal(12.5, options.MessagesPerSecond);
    }

    [Fact]
    public void Options_StructuredKey_WinsOverAlias()
    {
        var options = Resolve(new() { ["KAFKA_TOPIC"] = "alias", ["Pipeline:Producer:Topic"] = "structured" });

        Assert.Equal("structured", options.Topic);
    }

    [Theory]
    [InlineData("MSGS_PER_SEC", "fast", "MSGS_PER_SEC")]
    [InlineData("MSGS_PER_SEC", "-1", "MessagesPerSecond")]
    [InlineData("Pipeline:Producer:Topic", "bad topic!", "Pipeline:Producer:Topic")]
    [InlineData("Pipeline:Producer:FlushTimeout", "-00:00:01", "Pipeline:Producer:FlushTimeout")]
    [InlineData("Pipeline:Producer:ExitWhenDone", "true", "ExitWhenDone")]
    public void Options_InvalidSetting_FailsNamingTheSetting(string key, string value, string named)
    {
        var ex = Assert.ThrowsAny<OptionsValidationException>(() => Resolve(new() { [key] = value }));

        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProducerConfig_IsIdempotentAckAllAndPassesThroughClientSettings()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = "broker:9092",
            ["Kafka:Producer:security.protocol"] = "SASL_SSL",
            ["Kafka:Producer:SaslUsername"] = "user",
        }).Build();

        var config = ProducerExtensions.CreateProducerConfig(configuration);

        Assert.Equal("broker:9092", config.BootstrapServers);
        Assert.True(config.EnableIdempotence);
        Assert.Equal(Acks.All, config.Acks);
        Assert.Equal("SASL_SSL", config.Get("security.protocol"));
        Assert.Equal("user", config.SaslUsername);
    }

    [Fact]
    public void ProducerConfig_WithoutBootstrapServers_NamesBothSettings()
    {
        var configuration = new ConfigurationBuilder().Build();

        var ex = Assert.Throws<InvalidOperationException>(() => ProducerExtensions.CreateProducerConfig(configuration));

        Assert.Contains("ConnectionStrings:kafka", ex.Message, StringComparison.Ordinal);
        Assert.Contains("KAFKA_BOOTSTRAP_SERVERS", ex.Message, StringComparison.Ordinal);
    }

    private static ProducerOptions Resolve(Dictionary<string, string?> settings)
    {
        settings.TryAdd("ConnectionStrings:kafka", "127.0.0.1:9");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddEventProducer();
        using var host = builder.Build();
        return host.Services.GetRequiredService<IOptions<ProducerOptions>>().Value;
    }
}
