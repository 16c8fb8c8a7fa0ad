using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.KafkaBroker;
using Pipeline.KafkaBroker.Hosting;

return await BrokerCommandLine.Create(RunAsync).Parse(args).InvokeAsync();

static async Task<int> RunAsync(KafkaBrokerOptions options, CancellationToken cancellationToken)
{
    var errors = options.Validate();
    if (errors.Count > 0)
    {
        foreach (var error in errors)
        {
            await Console.Error.WriteLineAsync(error);
        }

        return BrokerExitCodes.InvalidOptions;
    }

    var builder = Host.CreateApplicationBuilder();
    builder.AddBrokerOpenTelemetry(); // logs and metrics (Pipeline.KafkaBroker) over OTLP when Aspire sets OTEL_EXPORTER_OTLP_ENDPOINT
    using var host = builder.Build();

    // The broker starts before the host rather than as a hosted service: a taken port is a usage
    // problem, reported in one line that says what to do, not as a host start failure with a stack trace.
    KafkaBrokerServer broker;
    try
    {
        broker = await KafkaBrokerServer.StartAsync(
            options,
            host.Services.GetRequiredService<ILoggerFactory>(),
            TimeProvider.System,
            host.Services.GetRequiredService<IMeterFactory>(),
            cancellationToken);
    }
    catch (BrokerPortInUseException ex)
    {
        await Console.Error.WriteLineAsync(ex.Message);
        return BrokerExitCodes.PortInUse;
    }

    await using (broker)
    {
        await host.StartAsync(cancellationToken);
        await host.WaitForShutdownAsync(cancellationToken);
    }

    return BrokerExitCodes.Success;
}
