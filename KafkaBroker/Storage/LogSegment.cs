using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Pipeline.KafkaBroker.Storage;

/// <summary>
/// A contiguous run of a partition's batches, named by its base offset as Kafka names its segments
/// (<c>00000000000000000042.log</c>), so the log start survives a restart in the file names alone. In memory
/// the batches are kept for reads; with a data directory they are also in the segment's file.
/// </summary>
internal sealed class LogSegment : IDisposable
{
    public const string Extension = ".log";
    private readonly List<StoredBatch> _batches = [];
    private readonly SafeFileHandle? _file;
    private readonly string? _path;
    private readonly long _createdMs;
    private long _largestTimestamp = -1;
    private long _lastAppendMs;

    private LogSegment(long baseOffset, SafeFileHandle? file, string? path, long createdMs, long lastAppendMs)
    {
        BaseOffset = baseOffset;
        _file = file;
        _path = path;
        _createdMs = createdMs;
        _lastAppendMs = lastAppendMs;
    }

    public long BaseOffset { get; }

    /// <summary>The offset the next batch appended here would get.</summary>
    public long NextOffset => _batches.Count == 0 ? BaseOffset : _batches[^1].LastOffset + 1;

    public IReadOnlyList<StoredBatch> Batches => _batches;

    /// <summary>Bytes of the batches held (with a data directory, the file's length).</summary>
    public long Size { get; private set; }

    public bool IsEmpty => _batches.Count == 0;

    /// <summary>
    /// The newest record timestamp in the segment, what time retention compares (Kafka's largest timestamp); batches
    /// without timestamps fall back to when the segment was last appended to (Kafka: the file's modification time).
    /// </summary>
    public long LargestTimestampMs => _largestTimestamp >= 0 ? _largestTimestamp : _lastAppendMs;

    /// <summary>
    /// Whether a batch stamped <paramref name="batchTimestamp"/> should start a new segment because this one has been
    /// open longer than <paramref name="segmentRoll"/> (Kafka's <c>log.roll.ms</c>). As Kafka, the span is measured
    /// between record timestamps (the first batch's and the new one's), so a producer replaying old timestamps does
    /// not roll a segment per batch; without timestamps, since the segment was created or opened.
    /// </summary>
    public bool IsDueToRoll(long batchTimestamp, long nowMs, TimeSpan segmentRoll)
    {
        var waited = _batches.Count > 0 && _batches[0].MaxTimestamp >= 0 && batchTimestamp >= 0
            ? batchTimestamp - _batches[0].MaxTimestamp
            : nowMs - _createdMs;
        return waited > (long)segmentRoll.TotalMilliseconds;
    }

    public static string FileName(long baseOffset) => baseOffset.ToString("D20", CultureInfo.InvariantCulture) + Extension;

    /// <summary>The base offset a segment file's name states, or null for any other file.</summary>
    public static long? ParseFileName(string path)
    {
        var name = Path.GetFileName(path);
        return name.EndsWith(Extension, StringComparison.Ordinal)
            && long.TryParse(name.AsSpan(0, name.Length - Extension.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            ? offset
            : null;
    }

    public static LogSegment InMemory(long baseOffset, long nowMs) => new(baseOffset, null, null, nowMs, nowMs);

    /// <summary>A new, empty segment file in <paramref name="directory"/>.</summary>
    public static LogSegment Create(string directory, long baseOffset, long nowMs)
    {
        var path = Path.Combine(directory, FileName(baseOffset));
        var file = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        return new LogSegment(baseOffset, file, path, nowMs, nowMs);
    }

    /// <summary>
    /// Opens an existing segment file and reads its batches back; a batch torn by a crash mid-write (never
    /// acknowledged) is cut off. <paramref name="onBatch"/> sees each batch in order (to rebuild producer state).
    /// </summary>
    public static LogSegment Open(string path, long baseOffset, long nowMs, ILogger logger, Action<RecordBatchHeader, long> onBatch)
    {
        var file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        var modifiedMs = new DateTimeOffset(File.GetLastWriteTimeUtc(path)).ToUnixTimeMilliseconds();
        var segment = new LogSegment(baseOffset, file, path, nowMs, modifiedMs);
        var length = RandomAccess.GetLength(file);
        var buffer = new byte[RecordBatchHeader.Size];
        long position = 0;
        while (position + RecordBatchHeader.Size <= length)
        {
            RandomAccess.Read(file, buffer, position);
            var header = RecordBatchHeader.Read(buffer);
            if (header.Magic != 2 || header.BatchLength < RecordBatchHeader.Size - 12 || position + header.TotalSize > length)
            {
                break;
            }

            var data = new byte[header.TotalSize];
            RandomAccess.Read(file, data, position);
            if (RecordBatchHeader.Crc32C(data.AsSpan(21)) != header.Crc)
            {
                break;
            }

            segment.Add(header, header.BaseOffset, data, segment._lastAppendMs);
            onBatch(header, header.BaseOffset);
            position += data.Length;
        }

        if (position < length)
        {
            Log.TornBatchTruncated(logger, path, position, length - position);
            RandomAccess.SetLength(file, position);
        }

        return segment;
    }

    /// <summary>Writes the batch to the file (when there is one) and keeps it for reads.</summary>
    public void Append(in RecordBatchHeader header, long baseOffset, byte[] data, bool syncWrites, long nowMs)
    {
        if (_file is not null)
        {
            RandomAccess.Write(_file, data, Size);
            if (syncWrites)
            {
                RandomAccess.FlushToDisk(_file);
            }
        }

        Add(header, baseOffset, data, nowMs);
    }

    /// <summary>Index of the first batch whose last offset is at or after <paramref name="offset"/> (Count when none).</summary>
    public int FindBatch(long offset)
    {
        int low = 0, high = _batches.Count;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (_batches[mid].LastOffset < offset)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    /// <summary>Closes and removes the segment's file (retention); readers holding its batches keep their bytes.</summary>
    public void Delete()
    {
        Dispose();
        if (_path is not null)
        {
            File.Delete(_path);
        }
    }

    public void Dispose() => _file?.Dispose();

    private void Add(in RecordBatchHeader header, long baseOffset, byte[] data, long nowMs)
    {
        _batches.Add(new StoredBatch(baseOffset, baseOffset + header.LastOffsetDelta, header.MaxTimestamp, data));
        _largestTimestamp = Math.Max(_largestTimestamp, header.MaxTimestamp);
        Size += data.Length;
        _lastAppendMs = nowMs;
    }
}
