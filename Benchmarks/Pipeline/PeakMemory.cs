using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Pipeline.Benchmarks.Pipeline;

/// <summary>
/// Each run's own peak working set. On Linux the peak is the kernel's high-water mark of the resident set (VmHWM in
/// /proc/self/status, which is also what .NET's <c>Process.PeakWorkingSet64</c> reports there), and writing "5" to
/// /proc/self/clear_refs resets it to the current resident set (Linux 4.0 and later). <see cref="Reset"/> first collects
/// everything collectable, compacting and returning the freed memory to the OS, so the previous run's garbage is not
/// counted. What a run's peak still includes, besides the run's own: the runtime, the loaded code and native
/// libraries (librdkafka, DuckDB), the corpus (the run's input, ~90 MB for 1M events), what the GC keeps committed
/// after an aggressive collection, the arrays earlier runs returned to the shared <c>ArrayPool</c> (the service's
/// column buffers and Parquet.Net's: live, not garbage, kept until unused for a while; a run reuses them; most likely
/// the bulk of the ~250 MB of managed heap beyond the corpus after the stage costs, not verified with a heap dump), the native
/// allocators' free lists (memory librdkafka or DuckDB freed but glibc's arenas kept; <c>malloc_trim</c> returns what it
/// can), and anything an earlier run leaked. <see cref="Describe"/> prints the working set at the run's start, and how
/// much of it is managed heap, with its peak. Where the reset is not available, the peak is the whole
/// process's, and <see cref="Describe"/> says so.
/// </summary>
internal static class PeakMemory
{
    private const string ClearRefs = "/proc/self/clear_refs";
    private const string Status = "/proc/self/status";

    /// <summary>Whether <see cref="Reset"/> makes the peak a run's own (probed once, by resetting).</summary>
    public static bool IsPerRun { get; } = TryResetHighWaterMark();

    /// <summary>The working set a run starts from, and how much of it is managed heap.</summary>
    public readonly record struct Start(long WorkingSet, long ManagedHeap);

    /// <summary>
    /// Collects the garbage (compacting, decommitting), gives the C allocator's free memory back, then resets the peak
    /// to the current working set; returns that working set, the floor the run starts from.
    /// </summary>
    public static Start Reset()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        if (OperatingSystem.IsLinux())
        {
            try
            {
                _ = MallocTrim(0);
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                // Not glibc (e.g. musl): its free lists stay in the figure.
            }
        }

        if (IsPerRun)
        {
            TryResetHighWaterMark();
        }

        return new Start(Read(), GC.GetTotalMemory(forceFullCollection: false));
    }

    /// <summary>The peak working set in bytes since the last <see cref="Reset"/> (or since the process started).</summary>
    public static long Read()
    {
        if (OperatingSystem.IsLinux() && File.Exists(Status))
        {
            foreach (var line in File.ReadLines(Status))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    // "VmHWM:    123456 kB"
                    var kilobytes = line.AsSpan("VmHWM:".Length).Trim().TrimEnd("kB").Trim();
                    return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }

        return Process.GetCurrentProcess().PeakWorkingSet64;
    }

    /// <summary>
    /// "peak working set 300 MB (120 MB at its start, 90 MB of it managed heap)", with the working set <see cref="Reset"/> returned before the run;
    /// marked as the process's when it cannot be a run's own.
    /// </summary>
    public static string Describe(long peak, Start start) =>
        $"peak working set {Mb(peak)} MB " + (IsPerRun ? $"({Mb(start.WorkingSet)} MB at its start, {Mb(start.ManagedHeap)} MB of it managed heap)" : "(process-wide)");

    /// <summary>What the peaks are, for the setup lines.</summary>
    public static string Scope => IsPerRun
        ? $"peak working set: each run's own (VmHWM reset through {ClearRefs} after an aggressive GC before each run; it includes the corpus, the run's input)"
        : $"peak working set: process-wide ({ClearRefs} cannot reset it here), so each figure includes the runs before it";

    public static string Mb(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("F0", CultureInfo.InvariantCulture);

    /// <summary>glibc's <c>malloc_trim</c>: returns the free memory of every arena to the OS.</summary>
    [DllImport("libc", EntryPoint = "malloc_trim", ExactSpelling = true)]
    private static extern int MallocTrim(nuint pad);

    private static bool TryResetHighWaterMark()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            File.WriteAllText(ClearRefs, "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
