using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.KafkaBroker.Storage;

/// <summary><c>&lt;data&gt;/topics/&lt;name&gt;/topic.json</c>: what a topic is, beside its partition folders.</summary>
internal sealed record TopicMetadataFile(string Name, Guid Id, int Partitions, Dictionary<string, string?> Configs)
{
    public const string FileName = "topic.json";

    public static TopicMetadataFile Read(string directory) =>
        JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(directory, FileName)), TopicMetadataJsonContext.Default.TopicMetadataFile)
        ?? throw new InvalidDataException($"{Path.Combine(directory, FileName)} is empty.");

    /// <summary>Written to a temporary file and renamed, so a crash leaves the old file or the new one.</summary>
    public void Write(string directory)
    {
        var path = Path.Combine(directory, FileName);
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(this, TopicMetadataJsonContext.Default.TopicMetadataFile));
        File.Move(temp, path, overwrite: true);
    }
}

[JsonSerializable(typeof(TopicMetadataFile))]
internal sealed partial class TopicMetadataJsonContext : JsonSerializerContext;
