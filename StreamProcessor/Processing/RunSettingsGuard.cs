using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Storage;
using Pipeline.StreamProcessor.Checkpointing;
using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.StreamProcessor.Processing;

/// <summary>
/// Holds a run to the window settings it was written with. Called once per process, in the worker's
/// <c>StartAsync</c>, before the consumer exists: a fresh run records this start's settings
/// (<see cref="RunManifest"/>); a run that has them must be resumed with the same values, otherwise the start
/// fails naming the setting and the run, having read files only. Checking here rather than when a partition is
/// assigned keeps the refusal at start (assignment comes later, or never for a replica that gets no partition)
/// and covers the whole run, not one partition.
/// </summary>
internal sealed class RunSettingsGuard(
    CheckpointStore checkpoints,
    IOptions<SinkOptions> sinkOptions,
    IOptions<WindowingOptions> windowingOptions)
{
    private const string WindowSizeSetting = WindowingOptions.SectionName + ":" + nameof(WindowingOptions.WindowSize);
    private const string WatermarkDelaySetting = WindowingOptions.SectionName + ":" + nameof(WindowingOptions.WatermarkDelay);
    private const string RunIdSetting = SinkOptions.SectionName + ":" + nameof(SinkOptions.RunId) + " (" + SinkOptions.RunIdAlias + ")";

    /// <summary>This start's values, as the manifest stores them.</summary>
    public RunManifest Current => new(windowingOptions.Value.WindowSize, windowingOptions.Value.WatermarkDelay);

    /// <summary>
    /// First makes sure the run's storage answers and may be written (a blob container is created if absent), so
    /// wrong credentials fail the start naming <see cref="SinkOptions.OutputConnectionSetting"/>, not the first batch.
    /// </summary>
    /// <exception cref="OutputUnavailableException">The storage refused the credentials or could not be reached.</exception>
    /// <exception cref="RunSettingsMismatchException">The run was written with other values, or before they were stored.</exception>
    /// <exception cref="CorruptCheckpointException">The run's manifest cannot be read.</exception>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        try
        {
            await checkpoints.Storage.EnsureReadyAsync(cancellationToken);
        }
        catch (StorageAccessException e)
        {
            throw new OutputUnavailableException($"{SinkOptions.OutputConnectionSetting}: {e.Message}", e);
        }

        var current = Current;
        var stored = await checkpoints.LoadRunManifestAsync(cancellationToken);
        if (stored is null)
        {
            if (await checkpoints.HasPartitionCheckpointsAsync(cancellationToken))
            {
                throw new RunSettingsMismatchException(LegacyRunMessage(current));
            }

            if (await checkpoints.TryCreateRunManifestAsync(current, cancellationToken))
            {
                return;
            }

            stored = await checkpoints.LoadRunManifestAsync(cancellationToken)
                ?? throw new InvalidOperationException($"'{checkpoints.RunManifestLocation}' vanished while the run started.");
        }

        var differences = new List<string>(2);
        Compare(WindowSizeSetting, stored.WindowSize, current.WindowSize, differences);
        Compare(WatermarkDelaySetting, stored.WatermarkDelay, current.WatermarkDelay, differences);
        if (differences.Count > 0)
        {
            throw new RunSettingsMismatchException(string.Join(' ', differences));
        }
    }

    private void Compare(string setting, TimeSpan stored, TimeSpan current, List<string> differences)
    {
        if (stored != current)
        {
            differences.Add(
                $"Run '{sinkOptions.Value.RunId}' was written with {setting} {Format(stored)}; this start has {Format(current)}. " +
                $"Use a new {RunIdSetting} or the run's value.");
        }
    }

    /// <summary>
    /// A run checkpointed before its settings were stored. Its window size shows only in windows still open and
    /// its watermark delay nowhere, so neither is assumed: this start's values might be the ones that would
    /// re-size its windows. The operator who knows them adopts the run by writing the manifest.
    /// </summary>
    private string LegacyRunMessage(RunManifest current)
    {
        var path = checkpoints.RunManifestLocation;
        var json = JsonSerializer.Serialize(current, CheckpointJsonContext.StrictRunManifest).ReplaceLineEndings(" ");
        return $"Run '{sinkOptions.Value.RunId}' has checkpoints written before its window settings were stored ('{path}' is missing), " +
            $"so this start's {WindowSizeSetting} {Format(current.WindowSize)} and {WatermarkDelaySetting} {Format(current.WatermarkDelay)} " +
            $"cannot be checked against it. Use a new {RunIdSetting}, or, if the run was written with exactly these values, " +
            $"create '{path}' containing {json}";
    }

    private static string Format(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
