namespace Pipeline.StreamProcessor.Storage;

/// <summary>
/// The rules for object names in a run: relative, <c>/</c>-separated segments of <c>[A-Za-z0-9._=-]</c>, none
/// empty, <c>.</c> or <c>..</c>, and none starting with a dot (a local folder keeps its temporary files and locks
/// under such names). Valid in a file system and as a blob name alike.
/// </summary>
public static class ObjectNames
{
    public const char Separator = '/';

    /// <summary>Throws unless <paramref name="name"/> is a valid object name.</summary>
    /// <summary>The object's name without its folders: what follows its last <see cref="Separator"/>.</summary>
    public static ReadOnlySpan<char> FileName(string name) => name.AsSpan(name.LastIndexOf(Separator) + 1);

    public static void Validate(string name, string? paramName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, paramName ?? nameof(name));
        if (!IsValid(name))
        {
            throw new ArgumentException(
                $"'{name}' is not an object name: segments of [A-Za-z0-9._=-] separated by '/', none empty or starting with '.'.",
                paramName ?? nameof(name));
        }
    }

    /// <summary>Whether <paramref name="name"/> is a valid object name.</summary>
    public static bool IsValid(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        foreach (var segment in name.Split(Separator))
        {
            if (!IsValidSegment(segment))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Throws unless <paramref name="prefix"/> is empty or a valid name, or a valid name followed by <c>/</c>
    /// (its last segment may be partial: <c>aggregates/part-events-p0-o</c>).
    /// </summary>
    public static void ValidatePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Length == 0)
        {
            return;
        }

        Validate(prefix.EndsWith(Separator) ? prefix[..^1] : prefix, nameof(prefix));
    }

    /// <summary>Throws unless <paramref name="folder"/> is empty (the run's root) or a valid name followed by <c>/</c>.</summary>
    public static void ValidateFolder(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (folder.Length > 0 && (!folder.EndsWith(Separator) || !IsValid(folder[..^1])))
        {
            throw new ArgumentException($"'{folder}' is not a folder: it must be empty or a valid name followed by '/'.", nameof(folder));
        }
    }

    private static bool IsValidSegment(string segment)
    {
        if (segment.Length == 0 || segment[0] == '.')
        {
            return false;
        }

        foreach (char c in segment)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-' or '='))
            {
                return false;
            }
        }

        return true;
    }
}
