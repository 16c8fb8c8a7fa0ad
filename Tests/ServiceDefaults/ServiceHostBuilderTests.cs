using System.Text.RegularExpressions;

namespace Pipeline.Tests.ServiceDefaults;

/// <summary>
/// A service started from another folder (<c>dotnet run</c> from the repository root, as the StreamProcessor's
/// <c>RunWorkingDirectory</c> and Aspire do) still reads its own <c>appsettings.json</c>: its logging levels
/// hold (<c>Microsoft.AspNetCore</c> at Warning, so health probes do not flood the logs and the dashboard).
/// </summary>
public sealed partial class ServiceHostBuilderTests() : BrokerRunTest("content-root")
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("Producer")]
    [InlineData("StreamProcessor")]
    public async Task Service_StartedFromAnotherFolder_ReadsItsOwnAppSettings(string project)
    {
        // Arrange: the working directory is an empty folder, not the build output; the topic exists (a missing input
        // topic stops the StreamProcessor at start).
        await PipelineTestKit.CreateTopicAsync(Broker.BootstrapServers, Topic, partitions: 1);
        var elsewhere = Directory.CreateDirectory(Path.Combine(Root, "elsewhere")).FullName;
        using var service = ServiceProcess.Start(project, new Dictionary<string, string>
        {
            ["KAFKA_BOOTSTRAP_SERVERS"] = Broker.BootstrapServers,
            ["Pipeline__Producer__Topic"] = Topic,
            ["Pipeline__Processor__Topic"] = Topic,
            ["Pipeline__Output__OutputPath"] = OutputPath,
        }, workingDirectory: elsewhere);
        await PipelineTestKit.WaitUntilAsync(() => ListeningUrl().IsMatch(service.Output), $"{project} listening", s_timeout);
        var url = ListeningUrl().Match(service.Output).Groups["url"].Value;

        // Act: a health probe, then a clean stop, so everything the service logged is in its output.
        using (var http = new HttpClient { Timeout = s_timeout })
        {
            using var response = await http.GetAsync(new Uri(new Uri(url), "/health"), TestContext.Current.CancellationToken);
        }

        var exitCode = await service.TerminateAsync(s_timeout);

        // Assert
        Assert.Equal(0, exitCode);
        Assert.Contains("Application is shutting down", service.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Request starting", service.Output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Now listening on: (?<url>http://\S+)")]
    private static partial Regex ListeningUrl();
}
