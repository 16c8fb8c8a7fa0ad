using System.Text.Json.Serialization;

namespace Pipeline.StreamProcessor.Checkpointing;

/// <summary>
/// Source-generated JSON for checkpoints: no reflection, and strict on read (every constructor parameter
/// must be present, non-nullable members must not be null), so a damaged file fails instead of loading
/// as zeros. Read-only members such as <c>WindowAggregate.Average</c> are derived and not stored.
/// Named floating-point literals are allowed because a sum of finite values can still overflow to infinity.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    IgnoreReadOnlyProperties = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(PartitionCheckpoint))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext;
