using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pipeline.ServiceDefaults.Configuration;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.Tests.ServiceDefaults;

/// <summary>
/// The ranking rule on the real provider types, in the host's order: a JSON file (appsettings.json), the
/// environment (variables under a prefix unique to this test, so tests alongside never see them) and the
/// command line. Names are the key <c>S:Topic</c> (variable <c>S__Topic</c>) and its alias <c>TOPIC</c>.
/// </summary>
public sealed class ConfigurationAliasesTests : IDisposable
{
    private const string Key = "S:Topic";
    private const string Alias = "TOPIC";

    private readonly string _prefix = "PIPELINE_ALIAS_TEST_" + Guid.NewGuid().ToString("N")[..8] + "_";
    private readonly string _folder = Directory.CreateTempSubdirectory("pipeline-aliases-").FullName;
    private readonly List<string> _variables = [];

    public void Dispose()
    {
        foreach (var variable in _variables)
        {
            Environment.SetEnvironmentVariable(variable, null);
        }

        Directory.Delete(_folder, recursive: true);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("key@json", "json:key")]
    [InlineData("alias@json", "json:alias")]
    [InlineData("key@json", "json:key", "json:alias")] // one source holds both: the structured key wins
    [InlineData("alias@env", "json:key", "env:alias")] // the alias beats appsettings.json
    [InlineData("key@env", "env:key", "env:alias")]
    [InlineData("key@env", "env:key", "json:alias")]
    [InlineData("key@cli", "env:alias", "cli:key")]
    [InlineData("alias@cli", "env:key", "cli:alias")] // the command line beats the environment, whatever the name
    [InlineData("key@cli", "cli:key", "cli:alias")]
    public void GetValue_KeyAndAliasInTheHostsSources_TheLaterSourceWinsAndTheKeyWinsTies(string? expected, params string[] supplied)
    {
        // Arrange: "env:alias" puts the alias, valued "alias@env", in the environment.
        var where = supplied.Select(s => s.Split(':')).ToDictionary(s => s[1], s => s[0]);
        var configuration = Build((Values(where, "json"), Values(where, "env"), Values(where, "cli")));

        // Act
        var value = ConfigurationAliases.GetValue(configuration, Key, Alias);

        // Assert
        Assert.Equal(expected, value);
    }

    [Fact]
    public void GetValue_EmptyAlias_CountsAsUnset()
    {
        // An unset ${TOPIC} in compose arrives as an empty variable (set here in memory: an empty process variable is deleted).
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [Key] = "key@json" })
            .AddInMemoryCollection(new Dictionary<string, string?> { [Alias] = "" })
            .Build();

        Assert.Equal("key@json", ConfigurationAliases.GetValue(configuration, Key, Alias));
    }

    [Fact]
    public void FindBootstrapServers_SeedVariableInTheEnvironment_BeatsAppSettings()
    {
        var configuration = Build((
            Json: new() { [KafkaConnection.ConnectionStringKey] = "json:1" },
            Environment: new() { [KafkaConnection.BootstrapServersAlias] = "env:2" },
            CommandLine: []));

        Assert.Equal("env:2", KafkaConnection.FindBootstrapServers(configuration));
    }

    [Fact]
    public void BindAlias_ValueThatDoesNotParse_FailsNamingTheAlias()
    {
        // Arrange
        var configuration = Build((Json: [], Environment: new() { ["RATE"] = "fast" }, CommandLine: []));
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddOptions<RateOptions>().BindConfiguration("S").BindAlias<RateOptions, double>("S:Rate", "RATE", (o, v) => o.Rate = v);
        using var provider = services.BuildServiceProvider();

        // Act
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RateOptions>>().Value);

        // Assert
        Assert.Equal("RATE must be a Double (was 'fast').", error.Message);
    }

    [Fact]
    public void BindAlias_AliasBelowTheKey_LeavesTheBoundValue()
    {
        var configuration = Build((Json: new() { ["RATE"] = "1" }, Environment: new() { ["S__Rate"] = "2" }, CommandLine: []));
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddOptions<RateOptions>().BindConfiguration("S").BindAlias<RateOptions, double>("S:Rate", "RATE", (o, v) => o.Rate = v);
        using var provider = services.BuildServiceProvider();

        Assert.Equal(2, provider.GetRequiredService<IOptions<RateOptions>>().Value.Rate);
    }

    private static Dictionary<string, string?> Values(Dictionary<string, string> where, string source) =>
        where.Where(w => w.Value == source).ToDictionary(w => w.Key == "key" ? Key : Alias, w => (string?)$"{w.Key}@{source}");

    private IConfigurationRoot Build(
        (Dictionary<string, string?> Json, Dictionary<string, string?> Environment, Dictionary<string, string?> CommandLine) sources)
    {
        var json = Path.Combine(_folder, "appsettings.json");
        File.WriteAllText(json, System.Text.Json.JsonSerializer.Serialize(Nest(sources.Json)));
        foreach (var (name, value) in sources.Environment)
        {
            var variable = _prefix + name.Replace(":", "__", StringComparison.Ordinal);
            _variables.Add(variable);
            Environment.SetEnvironmentVariable(variable, value);
        }

        return new ConfigurationBuilder()
            .AddJsonFile(json)
            .AddEnvironmentVariables(_prefix)
            .AddCommandLine(sources.CommandLine.Select(c => $"--{c.Key}={c.Value}").ToArray())
            .Build();
    }

    /// <summary><c>S:Topic</c> as <c>{"S":{"Topic":…}}</c>, the way appsettings.json spells it.</summary>
    private static Dictionary<string, object?> Nest(Dictionary<string, string?> flat)
    {
        var root = new Dictionary<string, object?>();
        foreach (var (key, value) in flat)
        {
            var parts = key.Split(':');
            var node = root;
            foreach (var part in parts[..^1])
            {
                node = (Dictionary<string, object?>)(node.TryGetValue(part, out var child) ? child! : node[part] = new Dictionary<string, object?>());
            }

            node[parts[^1]] = value;
        }

        return root;
    }

    private sealed class RateOptions
    {
        public double Rate { get; set; }
    }
}
