using System.Globalization;
using System.Text;
using Pipeline.StreamProcessor.Processing;
using Pipeline.StreamProcessor.Storage;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// With <c>ExitOnSinkFailure</c> the process exits non-zero (3) on the first failed write: the worker's exception
/// stops the host, and Program turns the faulted worker into the exit code (.NET 10's RunAsync still returns).
/// </summary>
public sealed class SinkFailureExitTests() : BrokerRunTest("sinkexit")
{
    [Fact]
    public async Task Processor_ExitOnSinkFailure_OutputUnwritable_ExitsWithSinkFailedCode()
    {
        // Arrange: the raw events folder is a file before any batch is written.
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, partitions: 1);
        var run = TestRun.Local(OutputPath, "sinkexit");
        Directory.CreateDirectory(run.Directory);
        await File.WriteAllTextAsync(run.PathOf(OutputLayout.EventsFolder), "not a folder", TestContext.Current.CancellationToken);
        PipelineTestKit.ProduceRaw(Broker.BootstrapServers, Topic, Enumerable.Range(0, 10).Select(static i => ((string?)"1",
            Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $$"""{"id":1,"ts":"2026-01-01T00:00:0{{i}}Z","value":{{i}}}""")))));

        // Act
        using var processor = ServiceProcess.Start("StreamProcessor", new Dictionary<string, string>
        {
            ["ConnectionStrings__kafka"] = Broker.BootstrapServers,
            ["Pipeline__Processor__Topic"] = Topic,
            ["Pipeline__Processor__GroupId"] = "group-" + Topic,
            ["Pipeline__Processor__ExitOnSinkFailure"] = "true",
            ["Pipeline__Output__OutputPath"] = OutputPath,
            ["Pipeline__Output__RunId"] = "sinkexit",
            ["Pipeline__Output__TriggerInterval"] = "00:00:00.200",
        });
        var exitCode = await processor.WaitForExitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        // Assert
        Assert.True(exitCode == ProcessorExitCodes.SinkFailed, $"Exit code {exitCode}. Output:\n{processor.Output}");
        Assert.Contains("ExitOnSinkFailure is set", processor.Output + processor.StandardError, StringComparison.Ordinal);
    }
}
