using System.Diagnostics.Metrics;
using System.Globalization;
using Pipeline.Producer.Telemetry;
using Pipeline.StreamProcessor.Telemetry;

namespace Pipeline.Standalone.Dashboard;

/// <summary>Listens to the services' own meters (the same instruments the Aspire dashboard shows).</summary>
internal sealed class PipelineMetrics : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<int, PartitionGauges> _partitions = [];
    private long _produced;
    private long _consumed;
    private long _rejected;
    private long _late;
    private long _rows;
    private long _files;
    private long _windows;

    public PipelineMetrics()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Only the counters and gauges shown: listening to the duration histograms would make the services
            // time every message for nothing.
            if (instrument.Meter.Name is ProducerTelemetryNames.Name or ProcessorTelemetryNames.Name && instrument is not Histogram<double>)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.SetMeasurementEventCallback<int>(OnGauge);
        _listener.SetMeasurementEventCallback<double>(OnGauge);
        _listener.Start();
    }

    public long Produced => Interlocked.Read(ref _produced);

    public long Consumed => Interlocked.Read(ref _consumed);

    public long Rejected => Interlocked.Read(ref _rejected);

    public long Late => Interlocked.Read(ref _late);

    public long RowsCommitted => Interlocked.Read(ref _rows);

    public long FilesCommitted => Interlocked.Read(ref _files);

    public long WindowsEmitted => Interlocked.Read(ref _windows);

    /// <summary>Consumer lag per partition, read from the processor's observable gauge.</summary>
    public IReadOnlyDictionary<int, long> Lag =>
        Partitions.Where(static p => p.Value.Lag is not null).ToDictionary(static p => p.Key, static p => p.Value.Lag!.Value);

    /// <summary>
    /// What the processor's observable gauges say of each assigned partition right now: lag, how far its watermark trails
    /// the clock, open windows and rows in state (the gauges <c>/progress</c> reports beside).
    /// </summary>
    public IReadOnlyDictionary<int, PartitionGauges> Partitions
    {
        get
        {
            lock (_partitions)
            {
                _partitions.Clear();
            }

            _listener.RecordObservableInstruments();
            lock (_partitions)
            {
                return new Dictionary<int, PartitionGauges>(_partitions);
            }
        }
    }

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        switch (instrument.Name)
        {
            case ProducerTelemetryNames.Instruments.Sent when instrument.Meter.Name == ProducerTelemetryNames.Name:
                // Sends count failures too (tagged error.type); the view shows acknowledged messages.
                if (!HasTag(tags, ProducerTelemetryNames.Tags.ErrorType))
                {
                    Interlocked.Add(ref _produced, value);
                }

                break;
            case ProcessorTelemetryNames.Instruments.Consumed when instrument.Meter.Name == ProcessorTelemetryNames.Name:
                Interlocked.Add(ref _consumed, value);
                break;
            case ProcessorTelemetryNames.Instruments.Rejected:
                Interlocked.Add(ref _rejected, value);
                break;
            case ProcessorTelemetryNames.Instruments.Late:
                Interlocked.Add(ref _late, value);
                break;
            case ProcessorTelemetryNames.Instruments.RowsCommitted:
                Interlocked.Add(ref _rows, value);
                break;
            case ProcessorTelemetryNames.Instruments.FilesCommitted:
                Interlocked.Add(ref _files, value);
                break;
            case ProcessorTelemetryNames.Instruments.WindowsEmitted:
                Interlocked.Add(ref _windows, value);
                break;
            case ProcessorTelemetryNames.Instruments.ConsumerLag:
                UpdatePartition(tags, gauges => gauges with { Lag = value });
                break;
        }
    }

    private void OnGauge<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
        where T : struct, IConvertible
    {
        if (instrument.Meter.Name != ProcessorTelemetryNames.Name)
        {
            return;
        }

        switch (instrument.Name)
        {
            case ProcessorTelemetryNames.Instruments.WatermarkDelay:
                UpdatePartition(tags, gauges => gauges with { WatermarkDelay = TimeSpan.FromSeconds(value.ToDouble(CultureInfo.InvariantCulture)) });
                break;
            case ProcessorTelemetryNames.Instruments.OpenWindows:
                UpdatePartition(tags, gauges => gauges with { OpenWindows = value.ToInt32(CultureInfo.InvariantCulture) });
                break;
            case ProcessorTelemetryNames.Instruments.StateRows:
                UpdatePartition(tags, gauges => gauges with { StateRows = value.ToInt32(CultureInfo.InvariantCulture) });
                break;
        }
    }

    private void UpdatePartition(ReadOnlySpan<KeyValuePair<string, object?>> tags, Func<PartitionGauges, PartitionGauges> update)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == ProcessorTelemetryNames.Tags.Partition && tag.Value is string id
                && int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var partition))
            {
                lock (_partitions)
                {
                    _partitions[partition] = update(_partitions.GetValueOrDefault(partition) ?? new PartitionGauges());
                }
            }
        }
    }

    private static bool HasTag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == key)
            {
                return true;
            }
        }

        return false;
    }

    public void Dispose() => _listener.Dispose();
}

/// <summary>One partition's gauges (null: not reported, e.g. no watermark before the first event).</summary>
internal sealed record PartitionGauges(long? Lag = null, TimeSpan? WatermarkDelay = null, int? OpenWindows = null, int? StateRows = null);
