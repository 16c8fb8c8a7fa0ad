using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pipeline.KafkaBroker.Hosting;

/// <summary>Runs the broker for the lifetime of a host (the runnable broker, or a composition root).</summary>
public sealed class BrokerHostedService(
    IOptions<KafkaBrokerOptions> options, ILoggerFactory loggerFactory, TimeProvider timeProvider) : IHostedService, IAsyncDisposable
{
    private KafkaBrokerServer? _server;

    /// <summary>The running broker, once started.</summary>
    public KafkaBrokerServer Server => _server ?? throw new InvalidOperationException("The broker has not started.");

    public async Task StartAsync(CancellationToken cancellationToken) =>
        _server = await KafkaBrokerServer.StartAsync(options.Value, loggerFactory, timeProvider, cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
