using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Pipeline.StreamProcessor.Checkpointing;

/// <summary>
/// Source-generated JSON for checkpoints (no reflection). Read-only members such as
/// <c>WindowAggregate.Average</c> are derived and not stored. Named floating-point literals are allowed
/// because a sum of finite values can still overflow to infinity.
/// Use <see cref="Strict"/>, not <see cref="JsonSerializerContext.Options"/> directly.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    IgnoreReadOnlyProperties = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(PartitionCheckpoint))]
[JsonSerializable(typeof(RunManifest))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The checkpoint contract with every stored member required, so a damaged file fails instead of loading
    /// zeros. Needed beyond <c>RespectRequiredConstructorParameters</c> because a struct such as
    /// <c>WindowAggregate</c> is built through its implicit parameterless constructor, where a missing
    /// member would otherwise silently stay 0.
    /// </summary>
    /// <remarks>Built on first use: a static initializer here could run before the generated <c>Default</c> exists.</remarks>
    public static JsonTypeInfo<PartitionCheckpoint> Strict => field ??= CreateStrict<PartitionCheckpoint>();

    /// <summary>The run manifest's contract, every member required like <see cref="Strict"/>.</summary>
    public static JsonTypeInfo<RunManifest> StrictRunManifest => field ??= CreateStrict<RunManifest>();

    private static JsonSerializerOptions StrictOptions => field ??= new JsonSerializerOptions(Default.Options)
    {
        TypeInfoResolver = Default.WithAddedModifier(RequireEveryProperty),
    };

    private static JsonTypeInfo<T> CreateStrict<T>() => (JsonTypeInfo<T>)StrictOptions.GetTypeInfo(typeof(T));

    private static void RequireEveryProperty(JsonTypeInfo typeInfo)
    {
        if (typeInfo.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        foreach (JsonPropertyInfo property in typeInfo.Properties)
        {
            // Derived get-only members (Average) are not stored, so cannot be required.
            if (property.Set is not null || property.AssociatedParameter is not null)
            {
                property.IsRequired = true;
            }
        }
    }
}
