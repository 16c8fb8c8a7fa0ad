using System.Globalization;

namespace Pipeline.AppHost.Topology;

/// <summary>
/// Compose binds <see cref="ServiceEnvironment.ComposeOutputFolder"/> into the StreamProcessor, whose image runs as the
/// non-root <see cref="ServiceEnvironment.ContainerUserId"/>; a folder Docker creates for a bind is root's, so the
/// processor could not write there. A one-shot service running as root creates the folder and hands it to that user
/// before the processor starts (<c>service_completed_successfully</c>), so a fresh <c>docker compose up</c> lands Parquet
/// with no manual <c>chmod</c>.
/// </summary>
public static class OutputFolderInit
{
    /// <summary>The user the init runs as (root, to change the folder's owner).</summary>
    public const string User = "0";

    public const string Entrypoint = "/bin/sh";

    /// <summary>What the init runs (no <c>$</c>: compose would interpolate it).</summary>
    public static string Script { get; } = string.Create(CultureInfo.InvariantCulture,
        $"mkdir -p {ServiceEnvironment.ContainerOutputPath} && chown {ServiceEnvironment.ContainerUserId}:{ServiceEnvironment.ContainerUserId} {ServiceEnvironment.ContainerOutputPath}");
}
