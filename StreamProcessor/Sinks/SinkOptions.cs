namespace Pipeline.StreamProcessor.Sinks;

/// <summary>
/// Where and how the StreamProcessor writes its Parquet output and checkpoints.
/// </summary>
/// <remarks>
/// Section <c>Pipeline:Output</c>, e.g. in <c>appsettings.json</c> (the values shown are the defaults, stated
/// only by the initializers below):
/// <code>
/// "Pipeline": {
///   "Output": {
///     "OutputPath": "data/output",
///     "RunId": "default",
///     "ContainerName": "pipeline",
///     "RowGroupSize": 100000,
///     "MaxBatchRows": 500000,
///     "TriggerInterval": "00:00:05",
///     "CompactionInterval": "00:01:00",
///     "CompactionTargetBytes": 134217728
///   }
/// }
/// </code>
/// or as environment variables such as <c>Pipeline__Output__RunId</c>. The seed's variables are aliases:
/// <see cref="OutputPathAlias"/>, <see cref="RunIdAlias"/>.
/// </remarks>
public sealed class SinkOptions
{
    public const string SectionName = "Pipeline:Output";

    /// <summary>The seed's variable for <see cref="OutputPath"/>.</summary>
    public const string OutputPathAlias = "OUTPUT_PATH";

    /// <summary>The seed's variable for <see cref="RunId"/>.</summary>
    public const string RunIdAlias = "RUN_ID";

    /// <summary>The connection name whose <c>ConnectionStrings:output</c> sends the run to Azure Blob Storage.</summary>
    public const string OutputConnectionName = "output";

    /// <summary>The setting that holds <see cref="OutputConnectionString"/>, for messages.</summary>
    public const string OutputConnectionSetting = "ConnectionStrings:" + OutputConnectionName;

    /// <summary>
    /// Root folder; each run writes under <c>&lt;OutputPath&gt;/run_&lt;RunId&gt;/</c>. Relative to the working
    /// directory, which <c>dotnet run</c> sets to the repository root (see StreamProcessor.csproj).
    /// </summary>
    public string OutputPath { get; set; } = "data/output";

    /// <summary>
    /// Names the run folder. The same RunId resumes from its checkpoints after a restart; a new RunId
    /// starts a fresh folder. The default is a fixed <c>"default"</c> rather than a start timestamp so
    /// that a plain restart resumes instead of silently re-reading the topic into a new folder.
    /// Only <c>[A-Za-z0-9._-]</c>, so it can never escape <see cref="OutputPath"/>.
    /// </summary>
    public string RunId { get; set; } = "default";

    /// <summary>
    /// The Azure Storage connection string of <c>ConnectionStrings:output</c> (<see cref="OutputConnectionName"/>),
    /// as Aspire passes a storage resource's (a key or SAS connection string, or a blob endpoint URI for
    /// <c>DefaultAzureCredential</c>; see <see cref="Storage.BlobStorage.FromConnectionString"/>); when set, the run is written to Azure Blob Storage under
    /// <c>&lt;container&gt;/run_&lt;RunId&gt;/</c> instead of <see cref="OutputPath"/>. Only that key sets it (the
    /// setter is not public, so this section cannot), and it is never logged: it holds the account key.
    /// </summary>
    public string? OutputConnectionString { get; internal set; }

    /// <summary>
    /// The blob container of the run when <see cref="OutputConnectionString"/> is set and names none itself (a
    /// <c>ContainerName=…</c> entry, which Aspire adds for a blob container resource, wins). Created at start if absent.
    /// </summary>
    public string ContainerName { get; set; } = "pipeline";

    /// <summary>Rows per Parquet row group. Large groups compress and scan better.</summary>
    public int RowGroupSize { get; set; } = 100_000;

    /// <summary>
    /// A batch (one contiguous offset range of one partition) is committed once it holds this many rows,
    /// even before <see cref="TriggerInterval"/>. A batch writes at most one raw file per id, so this also
    /// bounds the rows of one file.
    /// </summary>
    public int MaxBatchRows { get; set; } = 500_000;

    /// <summary>
    /// How often a partition's open batch is committed (files renamed, checkpoint replaced).
    /// Shorter means fresher output and smaller files; longer means fewer, larger files.
    /// </summary>
    public TimeSpan TriggerInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often the lane that owns a partition merges its small committed files into one per stream (one id folder's
    /// files of the partition, or its aggregates), in the background, after a commit; <see cref="TimeSpan.Zero"/> never
    /// compacts. The commits stay as they are (each trigger's rows are readable at once); compaction only bounds how
    /// many files a reader opens: with a 5 s trigger and a 1 min interval a stream holds its growing compacted file and
    /// about 12 small ones.
    /// </summary>
    public TimeSpan CompactionInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A file of at least this many bytes is final: compaction never rewrites it, and the stream's next compacted file
    /// starts after it. The usual guidance for DuckDB and Spark is Parquet files of 100 MB and more (Flink's
    /// <c>compaction.file-size</c>). Default 128 MiB.
    /// </summary>
    public long CompactionTargetBytes { get; set; } = 128L * 1024 * 1024;
}
