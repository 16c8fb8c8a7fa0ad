using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Storage;

/// <summary>
/// The log of one partition: record batches exactly as producers sent them (only the base offset
/// and leader epoch rewritten), offsets, high watermark and log start exact. With a data directory
/// every batch is also appended to a segment file before it is acknowledged (no user-space buffer,
/// so a killed broker loses nothing it acknowledged; fsync only with <see cref="KafkaBrokerOptions.SyncWrites"/>).
/// Batches stay in memory too: this is a development broker, sized for demos and tests.
/// </summary>
internal sealed class PartitionLog : IDisposable
{
    public const int LeaderEpoch = 0;
    private const string SegmentName = "00000000000000000000.log";
    private readonly Lock _lock = new();
    private readonly List<StoredBatch> _batches = [];
    private readonly ProducerStateTable _producers = new();
    private readonly SafeFileHandle? _segment;
    private readonly bool _syncWrites;
    private long _segmentLength;
    private long _nextOffset;
    private TaskCompletionSource _appended = NewSignal();

    private PartitionLog(int index, SafeFileHandle? segment, bool syncWrites)
    {
        Index = index;
        _segment = segment;
        _syncWrites = syncWrites;
    }

    public int Index { get; }

    public long LogStartOffset => 0;

    public long HighWatermark
    {
        get
        {
            lock (_lock)
            {
                return _nextOffset;
            }
        }
    }

    public static PartitionLog CreateInMemory(int index) => new(index, null, syncWrites: false);

    /// <summary>Opens (or creates) the partition's segment in <paramref name="directory"/>, rebuilding offsets and producer state.</summary>
    public static PartitionLog Open(int index, string directory, bool syncWrites, ILogger logger)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, SegmentName);
        var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        var log = new PartitionLog(index, handle, syncWrites);
        log.Recover(path, logger);
        return log;
    }

    /// <summary>Validates and appends a producer's batch; a retried duplicate gets its original offset.</summary>
    public ErrorCode Append(ReadOnlySpan<byte> records, int maxMessageBytes, out long baseOffset)
    {
        baseOffset = -1;
        var error = RecordBatchHeader.Validate(records, maxMessageBytes, out var header);
        if (error != ErrorCode.None)
        {
            return error;
        }

        TaskCompletionSource appended;
        lock (_lock)
        {
            error = _producers.Check(header, out var duplicate);
            if (error != ErrorCode.None)
            {
                return error;
            }

            if (duplicate >= 0)
            {
                baseOffset = duplicate;
                return ErrorCode.None;
            }

            baseOffset = _nextOffset;
            var data = records.ToArray();
            RecordBatchHeader.AssignOffset(data, baseOffset, LeaderEpoch);
            if (_segment is not null)
            {
                RandomAccess.Write(_segment, data, _segmentLength);
                _segmentLength += data.Length;
                if (_syncWrites)
                {
                    RandomAccess.FlushToDisk(_segment);
                }
            }

            AddBatch(header, baseOffset, data);
            appended = _appended;
            _appended = NewSignal();
        }

        appended.TrySetResult();
        return ErrorCode.None;
    }

    /// <summary>
    /// Whole batches from the one containing <paramref name="offset"/>, up to <paramref name="maxBytes"/>;
    /// the first batch is always included when <paramref name="includeFirst"/> (KIP-74, so a large
    /// batch cannot stall a consumer). Returns the bytes selected.
    /// </summary>
    public int Read(long offset, int maxBytes, bool includeFirst, List<byte[]> batches)
    {
        lock (_lock)
        {
            var index = FindBatch(offset);
            var total = 0;
            for (var i = index; i < _batches.Count; i++)
            {
                var data = _batches[i].Data;
                if (total + data.Length > maxBytes && !(includeFirst && total == 0))
                {
                    break;
                }

                batches.Add(data);
                total += data.Length;
            }

            return total;
        }
    }

    /// <summary>Completes when anything is appended after the caller looked (long-polling fetches).</summary>
    public Task WhenAppended()
    {
        lock (_lock)
        {
            return _appended.Task;
        }
    }

    /// <summary>
    /// The first offset of the first batch whose max timestamp is at or after <paramref name="timestamp"/>,
    /// or -1. Batches stay compressed, so this is batch-precise (clients skip the records before it).
    /// </summary>
    public long OffsetForTimestamp(long timestamp)
    {
        lock (_lock)
        {
            foreach (var batch in _batches)
            {
                if (batch.MaxTimestamp >= timestamp)
                {
                    return batch.BaseOffset;
                }
            }

            return -1;
        }
    }

    public long MaxProducerId
    {
        get
        {
            lock (_lock)
            {
                return _producers.MaxProducerId;
            }
        }
    }

    public void Dispose() => _segment?.Dispose();

    private int FindBatch(long offset)
    {
        // Binary search for the batch whose last offset is the first at or after the offset.
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

    private void AddBatch(in RecordBatchHeader header, long baseOffset, byte[] data)
    {
        var lastOffset = baseOffset + header.LastOffsetDelta;
        _batches.Add(new StoredBatch(baseOffset, lastOffset, header.MaxTimestamp, data));
        _producers.Record(header, baseOffset);
        _nextOffset = lastOffset + 1;
    }

    private void Recover(string path, ILogger logger)
    {
        var length = RandomAccess.GetLength(_segment!);
        var buffer = new byte[RecordBatchHeader.Size];
        long position = 0;
        while (position + RecordBatchHeader.Size <= length)
        {
            RandomAccess.Read(_segment!, buffer, position);
            var header = RecordBatchHeader.Read(buffer);
            if (header.Magic != 2 || header.BatchLength < RecordBatchHeader.Size - 12 || position + header.TotalSize > length)
            {
                break;
            }

            var data = new byte[header.TotalSize];
            RandomAccess.Read(_segment!, data, position);
            if (RecordBatchHeader.Crc32C(data.AsSpan(21)) != header.Crc)
            {
                break;
            }

            AddBatch(header, header.BaseOffset, data);
            position += data.Length;
        }

        if (position < length)
        {
            // A batch torn by a crash mid-write was never acknowledged: cut it off.
            Log.TornBatchTruncated(logger, path, position, length - position);
            RandomAccess.SetLength(_segment!, position);
        }

        _segmentLength = position;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly record struct StoredBatch(long BaseOffset, long LastOffset, long MaxTimestamp, byte[] Data);
}
