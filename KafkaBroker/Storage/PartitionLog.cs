using System.Globalization;
using Microsoft.Extensions.Logging;
using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Storage;

/// <summary>
/// The log of one partition: record batches exactly as producers sent them (only the base offset
/// and leader epoch rewritten), in segments named by their base offsets, with the log start, offsets and
/// high watermark exact. With a data directory every batch is also appended to its segment's file before it is
/// acknowledged (no user-space buffer, so a killed broker loses nothing it acknowledged; fsync only with
/// <see cref="KafkaBrokerOptions.SyncWrites"/>). Batches stay in memory too, until retention deletes their
/// segment: this is a development broker, sized for demos and tests.
/// </summary>
internal sealed class PartitionLog : IDisposable
{
    public const int LeaderEpoch = 0;

    /// <summary>Kafka keeps a log start moved by DeleteRecords in a checkpoint file; this is ours, one per partition.</summary>
    private const string LogStartFileName = "log-start-offset";
    private readonly Lock _lock = new();
    private readonly List<LogSegment> _segments = [];
    private readonly ProducerStateTable _producers = new();
    private readonly string? _directory;
    private readonly LogSettings _settings;
    private readonly TimeProvider _timeProvider;
    private long _logStartOffset;
    private long _nextOffset;
    private bool _disposed;
    private TaskCompletionSource _appended = NewSignal();

    private PartitionLog(int index, string? directory, LogSettings settings, TimeProvider timeProvider)
    {
        Index = index;
        _directory = directory;
        _settings = settings;
        _timeProvider = timeProvider;
    }

    public int Index { get; }

    /// <summary>The first offset a consumer can fetch: moved by retention and DeleteRecords, never back.</summary>
    public long LogStartOffset
    {
        get
        {
            lock (_lock)
            {
                return _logStartOffset;
            }
        }
    }

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

    /// <summary>Bytes of every segment, the active one included (what retention bytes limits).</summary>
    public long Size
    {
        get
        {
            lock (_lock)
            {
                return _segments.Sum(s => s.Size);
            }
        }
    }

    public int SegmentCount
    {
        get
        {
            lock (_lock)
            {
                return _segments.Count;
            }
        }
    }

    public static PartitionLog CreateInMemory(int index, LogSettings settings, TimeProvider timeProvider)
    {
        var log = new PartitionLog(index, null, settings, timeProvider);
        log._segments.Add(LogSegment.InMemory(0, log.NowMs));
        return log;
    }

    /// <summary>
    /// Opens (or creates) the partition's segments in <paramref name="directory"/>, rebuilding offsets and producer
    /// state. The log start is the first remaining segment's base offset, or further if DeleteRecords moved it.
    /// </summary>
    public static PartitionLog Open(int index, string directory, LogSettings settings, TimeProvider timeProvider, ILogger logger)
    {
        Directory.CreateDirectory(directory);
        var log = new PartitionLog(index, directory, settings, timeProvider);
        var files = Directory.GetFiles(directory, "*" + LogSegment.Extension)
            .Select(path => (Path: path, BaseOffset: LogSegment.ParseFileName(path)))
            .Where(file => file.BaseOffset is not null)
            .OrderBy(file => file.BaseOffset)
            .ToList();
        foreach (var (path, baseOffset) in files)
        {
            log._segments.Add(LogSegment.Open(path, baseOffset!.Value, log.NowMs, logger, (header, offset) => log._producers.Record(header, offset)));
        }

        if (log._segments.Count == 0)
        {
            log._segments.Add(LogSegment.Create(directory, 0, log.NowMs));
        }

        log._nextOffset = log._segments[^1].NextOffset;
        log._logStartOffset = Math.Min(Math.Max(log._segments[0].BaseOffset, log.ReadLogStartFile()), log._nextOffset);
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
            var nowMs = NowMs;
            var active = RollIfDue(header, data.Length, nowMs);
            active.Append(header, baseOffset, data, _settings.SyncWrites, nowMs);
            _producers.Record(header, baseOffset);
            _nextOffset = baseOffset + header.LastOffsetDelta + 1;
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
            var total = 0;
            for (var s = FindSegment(offset); s < _segments.Count; s++)
            {
                var segment = _segments[s];
                for (var i = segment.FindBatch(offset); i < segment.Batches.Count; i++)
                {
                    var data = segment.Batches[i].Data;
                    if (total + data.Length > maxBytes && !(includeFirst && total == 0))
                    {
                        return total;
                    }

                    batches.Add(data);
                    total += data.Length;
                }
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
            foreach (var segment in _segments)
            {
                foreach (var batch in segment.Batches)
                {
                    if (batch.LastOffset >= _logStartOffset && batch.MaxTimestamp >= timestamp)
                    {
                        return Math.Max(batch.BaseOffset, _logStartOffset);
                    }
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

    /// <summary>
    /// DeleteRecords: moves the log start to <paramref name="offset"/> (-1: the high watermark) and persists it;
    /// the segments wholly before it go at the next retention pass, as in Kafka. An offset below the current log
    /// start changes nothing; one beyond the high watermark (or another negative one) is out of range.
    /// </summary>
    public ErrorCode DeleteRecordsBefore(long offset, out long logStartOffset)
    {
        lock (_lock)
        {
            if (offset == -1)
            {
                offset = _nextOffset;
            }

            if (offset < 0 || offset > _nextOffset)
            {
                logStartOffset = -1;
                return ErrorCode.OffsetOutOfRange;
            }

            if (offset > _logStartOffset)
            {
                _logStartOffset = offset;
                WriteLogStartFile();
            }

            logStartOffset = _logStartOffset;
            return ErrorCode.None;
        }
    }

    /// <summary>Deletes the head segments <see cref="RetentionPolicy"/> names, files included, and moves the log start past them.</summary>
    public RetentionResult ApplyRetention()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                // A pass that raced the topic's deletion: its files are gone or, if the topic was created again, not its own.
                return new RetentionResult(0, 0, _logStartOffset);
            }

            var count = RetentionPolicy.DeletableHeadSegments(_segments, _logStartOffset, NowMs, _settings.Retention, _settings.RetentionBytes);
            long bytes = 0;
            try
            {
                for (var i = 0; i < count; i++)
                {
                    // Oldest first: a crash or a failed delete in between leaves a log that starts at a segment boundary.
                    var segment = _segments[0];
                    segment.Delete();
                    _segments.RemoveAt(0);
                    bytes += segment.Size;
                }
            }
            finally
            {
                _logStartOffset = Math.Max(_logStartOffset, _segments[0].BaseOffset);
            }

            return new RetentionResult(count, bytes, _logStartOffset);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var segment in _segments)
            {
                segment.Dispose();
            }
        }
    }

    private long NowMs => _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The segment the next batch goes to: a new one when the active one is full or old (Kafka's segment.bytes, log.roll.ms).</summary>
    private LogSegment RollIfDue(in RecordBatchHeader batch, int batchBytes, long nowMs)
    {
        var active = _segments[^1];
        if (active.IsEmpty
            || (active.Size + batchBytes <= _settings.SegmentBytes && !active.IsDueToRoll(batch.MaxTimestamp, nowMs, _settings.SegmentRoll)))
        {
            return active;
        }

        var next = _directory is null ? LogSegment.InMemory(_nextOffset, nowMs) : LogSegment.Create(_directory, _nextOffset, nowMs);
        _segments.Add(next);
        return next;
    }

    /// <summary>Index of the last segment starting at or before <paramref name="offset"/> (0 when the offset is before all).</summary>
    private int FindSegment(long offset)
    {
        int low = 0, high = _segments.Count - 1;
        while (low < high)
        {
            var mid = (low + high + 1) >>> 1;
            if (_segments[mid].BaseOffset <= offset)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        return low;
    }

    private long ReadLogStartFile()
    {
        var path = Path.Combine(_directory!, LogStartFileName);
        return File.Exists(path) && long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            ? offset
            : 0;
    }

    private void WriteLogStartFile()
    {
        if (_directory is null)
        {
            return;
        }

        // Written aside and renamed over, so a crash leaves the old value or the new one, never a torn one.
        var path = Path.Combine(_directory, LogStartFileName);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, _logStartOffset.ToString(CultureInfo.InvariantCulture));
        File.Move(temporary, path, overwrite: true);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
