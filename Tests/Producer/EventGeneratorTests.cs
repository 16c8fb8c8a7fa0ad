using System.Text.Json;
using Pipeline.Producer.Generation;

namespace Pipeline.Tests.Producer;

public sealed class EventGeneratorTests
{
    private static readonly DateTimeOffset s_time = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Next_SameSeed_ProducesTheSameSequence()
    {
        // Arrange
        var first = new EventGenerator(seed: 7, idCount: 10, source: "sim-producer");
        var second = new EventGenerator(seed: 7, idCount: 10, source: "sim-producer");

        // Act / Assert
        for (var i = 0; i < 100; i++)
        {
            var a = first.Next(s_time);
            var b = second.Next(s_time);
            Assert.Equal(a.Value, b.Value);
            Assert.Equal(a.Json, b.Json);
        }
    }

    [Fact]
    public void Next_DifferentSeeds_ProduceDifferentValues()
    {
        var first = new EventGenerator(seed: 1, idCount: 10, source: "s");
        var second = new EventGenerator(seed: 2, idCount: 10, source: "s");

        var same = 0;
        for (var i = 0; i < 50; i++)
        {
            same += first.Next(s_time).Value == second.Next(s_time).Value ? 1 : 0;
        }

        Assert.True(same < 5, $"{same} of 50 values equal across seeds");
    }

    [Fact]
    public void Next_IdsCycleAndKeyIsTheId()
    {
        var generator = new EventGenerator(seed: 3, idCount: 4, source: "s");

        var ids = Enumerable.Range(0, 9).Select(_ => generator.Next(s_time)).ToList();

        Assert.Equal([0, 1, 2, 3, 0, 1, 2, 3, 0], ids.Select(e => e.Id));
        Assert.All(ids, e => Assert.Equal(e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Key));
    }

    [Fact]
    public void Next_WritesTheEventContractAsJson()
    {
        var generator = new EventGenerator(seed: 11, idCount: 10, source: "sim-producer");

        var generated = generator.Next(s_time);

        using var document = JsonDocument.Parse(generated.Json);
        var root = document.RootElement;
        Assert.Equal(generated.Id, root.GetProperty("id").GetInt32());
        Assert.Equal("2026-11-24T12:00:00Z", root.GetProperty("ts").GetString());
        Assert.Equal(generated.Value, root.GetProperty("value").GetDouble());
        Assert.InRange(generated.Value, 0, 100);
        Assert.Equal(Math.Round(generated.Value, 2), generated.Value);
        Assert.Equal("sim-producer", root.GetProperty("source").GetString());
        Assert.Equal(4, root.EnumerateObject().Count());
    }
}
