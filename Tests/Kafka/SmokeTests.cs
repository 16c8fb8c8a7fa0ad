namespace Pipeline.Tests.Kafka;

public sealed class SmokeTests
{
    [Fact]
    public void Confluent_Kafka_native_library_loads()
    {
        Assert.StartsWith("2.16", Confluent.Kafka.Library.VersionString, StringComparison.Ordinal);
    }
}
