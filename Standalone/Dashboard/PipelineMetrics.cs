using System.Diagnostics.Metrics;
using System.Globalization;
using Pipeline.Producer.Telemetry;
using Pipeline.StreamProcessor.Telemetry;

namespace Pipeline.Standalone.Dashboard;

/// <summary>Listens to the services' own meters (the same instruments the Aspire dashboard shows).</summary>
internal sealed class PipelineMetrics : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<int, long> _lag = [];
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
    public IReadOnlyDictionary<int, long> Lag
    {
        get
        {
            lock (_lag)
            {
                _lag.Clear();
            }

            _listener.RecordObservableInstruments();
            lock (_lag)
            {
                return new Dictionary<int, long>(_lag);
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
                foreach (var tag in tags)
                {
                    if (tag.Key == ProcessorTelemetryNames.Tags.Partition && tag.Value is string id
                        && int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var partition))
                    {
                        lock (_lag)
                        {
                            _lag[partition] = value;
                        }
                    }
                }

                break;
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
