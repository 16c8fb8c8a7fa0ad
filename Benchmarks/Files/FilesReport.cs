using System.Globalization;
using Pipeline.Benchmarks.Pipeline;

namespace Pipeline.Benchmarks.Files;

/// <summary>The <c>files</c> benchmark's printed lines, one figure each, with the targets of <see cref="FilesTargets"/>.</summary>
internal static class FilesReport
{
    public static IEnumerable<string> Lines(SimulationSettings settings, SimulatedRun.Result run, OutputCensus census, TimeSpan censusTime)
    {
        var sink = run.Sink;
        var idsByPartition = string.Join("; ", Enumerable.Range(0, settings.Partitions).Select(p =>
            $"p{p}: {string.Join(',', Enumerable.Range(0, settings.Ids).Where(id => run.PartitionOfId[id] == p))}"));
        yield return $"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}";
        yield return $"settings: {N(settings.Rate)} events/s for {N(settings.Hours)} h, {settings.Partitions} partitions, {settings.Ids} ids ({idsByPartition}), " +
            $"seed {settings.Seed}; trigger interval {sink.TriggerInterval}, max batch rows {sink.MaxBatchRows:N0}, row group size {sink.RowGroupSize:N0}; " +
            $"service defaults but for: {settings.DescribeOverrides()}";
        yield return $"events produced: {run.Events:N0} ({string.Join(", ", run.Produced.Select((n, p) => $"p{p} {n:N0}"))})";
        yield return $"simulated: {run.Simulated.TotalHours:N2} h";
        yield return $"wall time: {run.Wall.TotalSeconds:N1} s for the run ({run.Events / run.Wall.TotalSeconds:N0} events/s), " +
            $"{censusTime.TotalSeconds:N1} s to read the output back";
        var files = run.Files;
        yield return $"written: {files.Written:N0} Parquet files (raw {files.RawWritten:N0}, aggregates {files.AggregatesWritten:N0}, other {files.OtherWritten:N0}), " +
            $"{PeakMemory.Mb(files.BytesWritten)} MB; {files.CheckpointWrites:N0} checkpoint writes";
        yield return $"deleted: {files.Deleted:N0} Parquet files";
        var existing = census.Raw.Count + census.Aggregates + census.Other;
        yield return $"existing at the end: {existing:N0} Parquet files (raw {census.Raw.Count:N0}, aggregates {census.Aggregates:N0}" +
            (census.Other > 0 ? $", other {census.Other:N0})" : ")");
        if (census.Raw.Count > 0)
        {
            var rows = Median.Of([.. census.Raw.Select(static f => (double)f.Rows)]);
            var bytes = Median.Of([.. census.Raw.Select(static f => (double)f.Bytes)]);
            var groups = Median.Of([.. census.Raw.Select(static f => (double)f.RowGroups)]);
            yield return $"rows per raw file: median {rows.Value:N0}, min {rows.Min:N0}, max {rows.Max:N0}";
            yield return $"bytes per raw file: median {bytes.Value:N0}, min {bytes.Min:N0}, max {bytes.Max:N0}";
            yield return $"row groups per raw file: median {groups.Value:N0} (max {groups.Max:N0})";
            yield return $"raw rows by their file's size: half of them in files of {RowWeightedMedianBytes(census.Raw):N0} bytes or more";
        }

        var check = census.Check;
        yield return check.Holds && check.Rows == run.Events
            ? $"exactly once: yes ({check.Rows:N0} raw rows, each (partition, offset) once, as many as events produced)"
            : $"exactly once: NO: {check.Rows:N0} raw rows for {run.Events:N0} events produced; {check.Duplicates:N0} duplicates, " +
              $"{check.Missing:N0} missing, {check.Unknown:N0} never produced";
        var delays = run.Delays;
        // The histogram gives a bucket's upper bound (buckets are ~2% wide): never more than the exact maximum.
        var p99 = TimeSpan.FromTicks(Math.Min(delays.Histogram.Percentile(0.99).Ticks, delays.Max.Ticks));
        yield return $"freshness: arrival to commit (simulated) max {delays.Max.TotalSeconds:N1} s, p99 {p99.TotalSeconds:N1} s " +
            $"over {delays.Recorded:N0} events" + (delays.Uncommitted > 0 ? $"; {delays.Uncommitted:N0} never committed" : "") +
            (run.Pauses > 0 ? $"; the engine paused the source {run.Pauses} times" : "");
        yield return PeakMemory.Describe(run.PeakWorkingSet, run.MemoryStart);

        var demoDay = settings.Rate == FilesTargets.DemoRate && settings.Hours == FilesTargets.DayHours;
        yield return Target($"≤ {FilesTargets.MaxFilesPerDayAtDemoRate:N0} Parquet files existing after {N(FilesTargets.DayHours)} h at {N(FilesTargets.DemoRate)} events/s",
            $"{existing:N0}", demoDay ? existing <= FilesTargets.MaxFilesPerDayAtDemoRate : null, $"--rate {N(FilesTargets.DemoRate)} --hours {N(FilesTargets.DayHours)}");
        var medianBytes = census.Raw.Count > 0 ? Median.Of([.. census.Raw.Select(static f => (double)f.Bytes)]).Value : 0;
        yield return Target($"raw files ≥ {PeakMemory.Mb(FilesTargets.MinRawFileBytesAtHighRate)} MB (median) at {N(FilesTargets.HighRate)} events/s",
            $"median {medianBytes:N0} bytes", settings.Rate == FilesTargets.HighRate ? medianBytes >= FilesTargets.MinRawFileBytesAtHighRate : null,
            $"--rate {N(FilesTargets.HighRate)}");
        yield return Target($"raw rows readable ≤ {FilesTargets.MaxReadableAfter.TotalSeconds:N0} s after they arrive",
            $"max {delays.Max.TotalSeconds:N1} s", delays.Max <= FilesTargets.MaxReadableAfter && delays.Uncommitted == 0, "");
    }

    /// <summary>
    /// The size of the file the median row is in: what a reader meets, where the plain median counts a stream's dozen
    /// one-trigger files like its large compacted one.
    /// </summary>
    private static long RowWeightedMedianBytes(IReadOnlyList<OutputCensus.RawFile> files)
    {
        long half = (files.Sum(static f => f.Rows) + 1) / 2;
        long seen = 0;
        foreach (var file in files.OrderBy(static f => f.Bytes))
        {
            seen += file.Rows;
            if (seen >= half)
            {
                return file.Bytes;
            }
        }

        return 0;
    }

    /// <summary>"target ≤ 500 …: 172,800: not met", or "not judged" when the run is not the configuration the target is stated for.</summary>
    private static string Target(string target, string figure, bool? met, string statedFor) =>
        $"target {target}: {figure}: " + met switch
        {
            true => "met",
            false => "not met",
            null => $"not judged (stated for {statedFor})",
        };

    private static string N(double value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);
}
