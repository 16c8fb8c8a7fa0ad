using System.Globalization;

namespace Pipeline.KafkaBroker.Storage;

/// <summary>
/// The last producer id handed out, kept in <c>&lt;data&gt;/producer-id</c>. Ids are otherwise recovered from the
/// batches in the logs, but retention deletes batches: without this file a restart could hand a still-running
/// idempotent producer's id to a new one.
/// </summary>
internal static class ProducerIdFile
{
    public const string FileName = "producer-id";

    public static long Read(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        return File.Exists(path) && long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : 0;
    }

    /// <summary>Written aside and renamed over, so a crash leaves the old id or the new one, never a torn one.</summary>
    public static void Write(string dataDirectory, long id)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, id.ToString(CultureInfo.InvariantCulture));
        File.Move(temporary, path, overwrite: true);
    }
}
