using System.Diagnostics;
using System.Text.RegularExpressions;
using Pipeline.Tests.KafkaBroker.Clients;
using YamlDotNet.RepresentationModel;

namespace Pipeline.Tests.AppHost;

/// <summary>
/// What the AppHost's default build publishes (<c>aspire publish</c>, here its publish step run by the built AppHost):
/// docker-compose.yaml read with a YAML parser and .env, with compose's own variable interpolation applied, so a test
/// sees the values <c>docker compose up</c> would use. The default build needs Aspire.Hosting.Kafka and
/// Aspire.Hosting.Docker, which the feed here does not serve: <c>tools/apphost-default.sh</c> builds it against
/// ../shared/aspire-feed. Without that build the tests are skipped saying so, and fail under CI
/// (<see cref="ExternalClient.RequireVariable"/>), which runs the script.
/// </summary>
internal sealed partial class PublishedCompose
{
    private readonly YamlMappingNode _services;

    private PublishedCompose(YamlMappingNode root, IReadOnlyDictionary<string, string> env, string folder)
    {
        _services = (YamlMappingNode)root.Children[new YamlScalarNode("services")];
        Env = env;
        Folder = folder;
    }

    /// <summary>The folder holding docker-compose.yaml and .env.</summary>
    public string Folder { get; }

    /// <summary>.env as published: every variable it names, with its value (empty when it has none).</summary>
    public IReadOnlyDictionary<string, string> Env { get; }

    public IEnumerable<string> ServiceNames => _services.Children.Keys.Select(static key => ((YamlScalarNode)key).Value!);

    /// <summary>The repository's root folder (where Pipeline.sln is).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The default AppHost build's entry assembly (written by tools/apphost-default.sh).</summary>
    public static string AppHostAssembly { get; } = Path.Combine(RepositoryRoot, "artifacts", "apphost-default", "bin", "AppHost", "debug", "AppHost.dll");

    /// <summary>Runs the publish step of the default AppHost into <paramref name="folder"/> with the given parameters.</summary>
    public static async Task<PublishedCompose> PublishAsync(string folder, params string[] parameters)
    {
        RequireDefaultBuild();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { AppHostAssembly, "--operation", "publish", "--step", "publish", "--output-path", folder }.Concat(parameters))
        {
            start.ArgumentList.Add(argument);
        }

        var run = await RunAsync(start, TimeSpan.FromMinutes(2));
        Assert.True(run.ExitCode == 0, $"The publish step exited {run.ExitCode}:\n{run.Output}");
        var stream = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(folder, "docker-compose.yaml")))
        {
            stream.Load(reader);
        }

        var env = File.ReadAllLines(Path.Combine(folder, ".env"))
            .Where(static line => line.Length > 0 && !line.StartsWith('#'))
            .Select(static line => line.Split('=', 2))
            .ToDictionary(static pair => pair[0], static pair => pair.Length > 1 ? pair[1] : string.Empty, StringComparer.Ordinal);
        return new PublishedCompose((YamlMappingNode)stream.Documents[0].RootNode, env, folder);
    }

    /// <summary>Skips (fails under CI) when tools/apphost-default.sh has not built the default AppHost.</summary>
    public static void RequireDefaultBuild()
    {
        if (File.Exists(AppHostAssembly))
        {
            return;
        }

        var message = $"The default AppHost build is not there ({AppHostAssembly}): run tools/apphost-default.sh "
            + "(it needs ../shared/aspire-feed beside the repository).";
        if (System.Environment.GetEnvironmentVariable(ExternalClient.RequireVariable) == "1")
        {
            Assert.Fail(message + $" {ExternalClient.RequireVariable}=1 demands it.");
        }

        Assert.Skip(message);
    }

    public YamlMappingNode Service(string name) =>
        _services.Children.TryGetValue(new YamlScalarNode(name), out var service)
            ? (YamlMappingNode)service
            : throw new Xunit.Sdk.XunitException($"No service '{name}' in the published compose file; it has {string.Join(", ", ServiceNames)}.");

    public bool HasService(string name) => _services.Children.ContainsKey(new YamlScalarNode(name));

    /// <summary>A scalar of a service (e.g. <c>image</c>, <c>user</c>) as written, or null.</summary>
    public string? Raw(string service, string key) =>
        Service(service).Children.TryGetValue(new YamlScalarNode(key), out var node) ? ((YamlScalarNode)node).Value : null;

    /// <summary>A scalar of a service with compose's interpolation from .env applied.</summary>
    public string? Value(string service, string key) => Raw(service, key) is { } raw ? Interpolate(raw) : null;

    /// <summary>A list of a service (<c>expose</c>, <c>command</c>, …), interpolated.</summary>
    public IReadOnlyList<string> List(string service, string key) =>
        Service(service).Children.TryGetValue(new YamlScalarNode(key), out var node)
            ? ((YamlSequenceNode)node).Children.Select(static item => ((YamlScalarNode)item).Value!).Select(Interpolate).ToList()
            : [];

    /// <summary>A service's environment, interpolated.</summary>
    public IReadOnlyDictionary<string, string> Environment(string service) => Map(service, "environment")
        .ToDictionary(static pair => pair.Key, pair => Interpolate(pair.Value), StringComparer.Ordinal);

    /// <summary>A service's <c>depends_on</c>: each service it waits for and the condition.</summary>
    public IReadOnlyDictionary<string, string> DependsOn(string service) =>
        Service(service).Children.TryGetValue(new YamlScalarNode("depends_on"), out var node)
            ? ((YamlMappingNode)node).Children.ToDictionary(
                static pair => ((YamlScalarNode)pair.Key).Value!,
                static pair => ((YamlScalarNode)((YamlMappingNode)pair.Value).Children[new YamlScalarNode("condition")]).Value!,
                StringComparer.Ordinal)
            : new Dictionary<string, string>();

    /// <summary>A service's volumes, each as its map (<c>type</c>, <c>source</c>, <c>target</c>, …).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Volumes(string service) =>
        Service(service).Children.TryGetValue(new YamlScalarNode("volumes"), out var node)
            ? ((YamlSequenceNode)node).Children.Select(static volume => (IReadOnlyDictionary<string, string>)((YamlMappingNode)volume).Children
                .ToDictionary(static pair => ((YamlScalarNode)pair.Key).Value!, static pair => ((YamlScalarNode)pair.Value).Value!, StringComparer.Ordinal)).ToList()
            : [];

    /// <summary>A nested scalar such as <c>deploy.replicas</c>.</summary>
    public string? Nested(string service, string key, string child) =>
        Service(service).Children.TryGetValue(new YamlScalarNode(key), out var node)
        && ((YamlMappingNode)node).Children.TryGetValue(new YamlScalarNode(child), out var value)
            ? ((YamlScalarNode)value).Value
            : null;

    /// <summary>Every <c>${NAME…}</c> reference anywhere in the file, as written.</summary>
    public IEnumerable<string> References() => AllScalars(_services).SelectMany(static text => VariableReference().Matches(text).Select(static m => m.Value));

    /// <summary>
    /// Compose's interpolation: <c>${NAME}</c> is the value (empty when unset), <c>${NAME:-default}</c> the default when the
    /// value is unset or empty, <c>${NAME-default}</c> when it is unset; <c>$$</c> is a literal <c>$</c>.
    /// </summary>
    public string Interpolate(string text) => VariableReference().Replace(text, match =>
    {
        var name = match.Groups["name"].Value;
        var set = Env.TryGetValue(name, out var value);
        return match.Groups["op"].Value switch
        {
            ":-" => string.IsNullOrEmpty(value) ? match.Groups["default"].Value : value,
            "-" => set ? value! : match.Groups["default"].Value,
            _ => value ?? string.Empty,
        };
    }).Replace("$$", "$", StringComparison.Ordinal);

    private Dictionary<string, string> Map(string service, string key) =>
        Service(service).Children.TryGetValue(new YamlScalarNode(key), out var node)
            ? ((YamlMappingNode)node).Children.ToDictionary(static pair => ((YamlScalarNode)pair.Key).Value!, static pair => ((YamlScalarNode)pair.Value).Value ?? string.Empty, StringComparer.Ordinal)
            : [];

    private static IEnumerable<string> AllScalars(YamlNode node) => node switch
    {
        YamlScalarNode scalar => scalar.Value is { } value ? [value] : [],
        YamlSequenceNode sequence => sequence.Children.SelectMany(AllScalars),
        YamlMappingNode mapping => mapping.Children.SelectMany(static pair => AllScalars(pair.Key).Concat(AllScalars(pair.Value))),
        _ => [],
    };

    internal static async Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo start, TimeSpan timeout)
    {
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"{start.FileName} did not exit within {timeout}:\n{await output}{await error}");
        }

        return (process.ExitCode, await output + await error);
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Pipeline.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (Pipeline.sln) is not above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?<op>:-|-)(?<default>[^}]*))?\}")]
    private static partial Regex VariableReference();
}
