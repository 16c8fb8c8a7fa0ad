using Pipeline.StreamProcessor.Windowing;
using Pipeline.Tests.Sinks;

namespace Pipeline.Tests.Storage;

/// <summary>
/// <c>StreamProcessor inspect</c> and <c>export</c> as real processes, reading a run from a container of a real
/// Azurite because <c>ConnectionStrings__output</c> says so, as the service would write it.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BlobInspectProcessTests(AzuriteFixture azurite) : IDisposable
{
    private const string RunId = "inspected";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly TempOutputDirectory _local = new();

    public void Dispose() => _local.Dispose();

    [Fact]
    public async Task InspectAndExport_WithTheOutputConnectionString_ReadTheRunFromBlobStorage()
    {
        // Arrange: one batch of partition 0 (30 events over 3 ids) and one closed window, written as the service writes.
        var ct = TestContext.Current.CancellationToken;
        var run = await BlobRun.CreateAsync(azurite.Server, RunId, ct);
        var writer = run.Run.Writer();
        WindowAggregate[] windows = [new(SinkTestData.BaseTime, SinkTestData.BaseTime.AddSeconds(10), 0, 10, 45.0, 0.0, 9.0)];
        await writer.WriteAsync("events", 0, 0, SinkTestData.ToBatch(SinkTestData.Rows(0, 0, 30)), windows, ct);
        var environment = new Dictionary<string, string> { [BlobRun.Variable] = run.ConnectionString };
        string csv = Path.Combine(_local.Path, "windows.csv");
        string copy = Path.Combine(_local.Path, "copy");

        // Act
        var inspect = await RunAsync(environment, ["inspect", "--run", RunId]);
        var export = await RunAsync(environment, ["export", "--run", RunId, "--what", "aggregates", "--to", csv]);
        var files = await RunAsync(environment, ["export", "--run", RunId, "--what", "files", "--to", copy]);

        // Assert
        Assert.Contains($"Run {run.Storage.Root}", inspect, StringComparison.Ordinal);
        Assert.Contains("total: 30 events", inspect, StringComparison.Ordinal);
        Assert.Contains("Wrote 1 aggregates row(s)", export, StringComparison.Ordinal);
        Assert.Equal(2, File.ReadAllLines(csv).Length);
        Assert.Contains("Copied 4 file(s)", files, StringComparison.Ordinal);
        Assert.Equal(
            [
                "aggregates/part-events-p0-o00000000000000000000.parquet",
                "events/id=0/part-events-p0-o00000000000000000000.parquet",
                "events/id=1/part-events-p0-o00000000000000000000.parquet",
                "events/id=2/part-events-p0-o00000000000000000000.parquet",
            ],
            SinkTestData.RelativeFiles(copy));
        foreach (var output in new[] { inspect, export, files })
        {
            Assert.DoesNotContain("AccountKey", output, StringComparison.Ordinal);
        }
    }

    private static async Task<string> RunAsync(Dictionary<string, string> environment, string[] arguments)
    {
        using var process = ServiceProcess.Start("StreamProcessor", environment, arguments);
        var exitCode = await process.WaitForExitAsync(s_timeout, TestContext.Current.CancellationToken);
        Assert.True(exitCode == 0, $"{string.Join(' ', arguments)} exited with {exitCode}:{Environment.NewLine}{process.Output}");
        return process.Output;
    }
}
