namespace Pipeline.StreamProcessor.Storage;

/// <summary>The folders a run's Parquet files lie in, as a partition's clean-up and its compaction walk them.</summary>
public static class OutputFolders
{
    /// <summary>Every <c>events/id=&lt;n&gt;/</c> folder of the run (in name order), then <c>aggregates/</c>.</summary>
    public static async Task<List<string>> ListAsync(IRunStorage storage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var folders = new List<string>();
        await foreach (string folder in storage.ListFoldersAsync(OutputLayout.EventsFolder, cancellationToken))
        {
            if (OutputLayout.ParseIdFolder(folder) is not null)
            {
                folders.Add(folder);
            }
        }

        folders.Sort(StringComparer.Ordinal);
        folders.Add(OutputLayout.AggregatesFolder);
        return folders;
    }
}
