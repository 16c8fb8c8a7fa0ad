using Pipeline.KafkaBroker;

namespace Pipeline.Tests.Pipeline;

/// <summary>
/// What every pipeline test starts from: its own temporary folder, a fresh topic name and an
/// embedded broker on a free loopback port, all removed when the test ends.
/// </summary>
public abstract class BrokerRunTest(string name, int defaultPartitions = 1) : IAsyncLifetime
{
    protected string Root { get; } = Directory.CreateTempSubdirectory($"pipeline-{name}-").FullName;

    protected string Topic { get; } = name + "-" + Guid.NewGuid().ToString("N")[..8];

    protected KafkaBrokerServer Broker { get; private set; } = null!;

    protected string OutputPath => Path.Combine(Root, "output");

    public virtual async ValueTask InitializeAsync() =>
        Broker = await KafkaBrokerServer.StartAsync(new KafkaBrokerOptions { Port = 0, DefaultPartitions = defaultPartitions },
            cancellationToken: TestContext.Current.CancellationToken);

    public virtual async ValueTask DisposeAsync()
    {
        await Broker.DisposeAsync();
        Directory.Delete(Root, recursive: true);
        GC.SuppressFinalize(this);
    }
}
