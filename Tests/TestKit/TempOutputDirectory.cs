namespace Pipeline.Tests.TestKit;

/// <summary>A fresh temporary output folder, deleted with everything in it when the test ends.</summary>
internal sealed class TempOutputDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("pipeline-sinks-").FullName;

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
