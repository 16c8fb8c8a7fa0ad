using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Azure;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Pipeline.StreamProcessor.Storage;

/// <summary>
/// A run under a prefix of an Azure Blob Storage container. There is no rename, so:
/// <list type="bullet">
/// <item>data objects are uploaded whole (one request, or a block list committed at once: readers never see a
/// partial blob) and only if absent (<c>If-None-Match: *</c>); an existing blob with identical bytes is a
/// replay and succeeds, one with other bytes is a <see cref="StorageConflict.DifferentContent"/> conflict and is
/// left as it is (only the partition's owner removes it, see <see cref="IRunStorage.WriteAsync{TState}"/>);</item>
/// <item>the version is the blob's ETag; <see cref="ReplaceIfMatchAsync"/> sends <c>If-Match</c> and
/// <see cref="CreateIfAbsentAsync"/> <c>If-None-Match: *</c>, and the service's 412/409 become a
/// <see cref="StorageConflictException"/>;</item>
/// <item>a 403 (wrong account key, missing role) becomes a <see cref="StorageAccessException"/> naming the
/// account and container, never the credentials.</item>
/// </list>
/// </summary>
public sealed class BlobStorage : IRunStorage
{
    /// <summary>Objects up to this size go up in one request; larger ones as blocks of this size, committed at once.</summary>
    public const int BlockSize = 8 << 20;

    private readonly BlobContainerClient _container;
    private readonly string _prefix;

    /// <param name="container">The container (its client carries the credentials).</param>
    /// <param name="prefix">The run's folder in the container, e.g. <c>run_default</c>; empty for the container's root.</param>
    public BlobStorage(BlobContainerClient container, string prefix)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(prefix);
        prefix = prefix.Trim(ObjectNames.Separator);
        if (prefix.Length > 0)
        {
            ObjectNames.Validate(prefix, nameof(prefix));
        }

        _container = container;
        _prefix = prefix.Length == 0 ? "" : prefix + ObjectNames.Separator;
    }

    /// <summary>
    /// A storage from an Azure Storage connection string, as Aspire passes it in <c>ConnectionStrings:&lt;name&gt;</c>:
    /// <list type="bullet">
    /// <item>a key or SAS connection string (<c>DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…;BlobEndpoint=…</c>,
    /// <c>UseDevelopmentStorage=true</c>), whose <c>ContainerName=…</c> entry, which Aspire adds for a blob container
    /// resource, names the container, else <paramref name="containerName"/>;</item>
    /// <item>a blob endpoint URI, as Aspire's Azure Storage resources give once deployed
    /// (<c>https://acct.blob.core.windows.net/</c>, or with the container as its path), authenticated by
    /// <see cref="DefaultAzureCredential"/> (a managed identity, workload identity, the Azure CLI's login…), whose
    /// identity needs the Storage Blob Data Contributor role on the container.</item>
    /// </list>
    /// </summary>
    public static BlobStorage FromConnectionString(
        string connectionString, string? containerName, string prefix, BlobClientOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        options ??= DefaultClientOptions();
        // HTTPS only: the client refuses to send a token in the clear.
        if (Uri.TryCreate(connectionString.Trim(), UriKind.Absolute, out var endpoint) && endpoint.Scheme == Uri.UriSchemeHttps)
        {
            return new BlobStorage(new BlobContainerClient(ContainerUri(endpoint, containerName), new DefaultAzureCredential(), options), prefix);
        }

        var (serviceConnectionString, containerFromString) = SplitContainerName(connectionString);
        string container = containerFromString ?? containerName
            ?? throw new ArgumentException("No container: pass one or add ContainerName=… to the connection string.", nameof(containerName));
        return new BlobStorage(new BlobContainerClient(serviceConnectionString, container, options), prefix);
    }

    /// <summary>
    /// The container of a blob endpoint URI: its path when it has one, else <paramref name="containerName"/> below it.
    /// An IP or <c>localhost</c> endpoint (Azurite with <c>--oauth basic</c> and a certificate) carries the account as its first
    /// path segment.
    /// </summary>
    private static Uri ContainerUri(Uri endpoint, string? containerName)
    {
        if (!string.IsNullOrEmpty(endpoint.Query))
        {
            throw new ArgumentException("A blob endpoint URI must not carry a query (a SAS goes in a SharedAccessSignature= connection string).");
        }

        string[] segments = endpoint.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        int accountSegments = endpoint.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 || endpoint.IsLoopback ? 1 : 0;
        if (segments.Length < accountSegments || segments.Length > accountSegments + 1)
        {
            throw new ArgumentException($"'{endpoint.GetLeftPart(UriPartial.Path)}' is not a blob endpoint or container URI.");
        }

        string container = segments.Length > accountSegments
            ? segments[accountSegments]
            : containerName ?? throw new ArgumentException(
                "No container: pass one or give the container as the endpoint URI's path.", nameof(containerName));
        return new Uri(string.Join('/', [endpoint.GetLeftPart(UriPartial.Authority), .. segments.Take(accountSegments), container]));
    }

    /// <summary>
    /// The client's retries, bounded so an outage surfaces as a sink failure (the engine pauses and retries the
    /// commit with its own backoff) within seconds rather than after the SDK's minute of retries.
    /// </summary>
    public static BlobClientOptions DefaultClientOptions()
    {
        var options = new BlobClientOptions();
        options.Retry.Mode = Azure.Core.RetryMode.Exponential;
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        return options;
    }

    public BlobContainerClient Container => _container;

    /// <summary>The blob URI of <paramref name="name"/> (no SAS or key).</summary>
    public string Locate(string name) => new UriBuilder(_container.GetBlobClient(BlobName(name)).Uri) { Query = "" }.Uri.ToString();

    /// <summary>The container's URI and the run's prefix (no SAS or key).</summary>
    public string Root => new UriBuilder(_container.Uri) { Query = "" }.Uri.ToString().TrimEnd('/') + "/" + _prefix;

    /// <summary>Uploads wait on the network, not the CPU: several per core keep the link busy.</summary>
    public int MaxConcurrentWrites => Math.Max(8, 4 * Environment.ProcessorCount);

    /// <summary>Creates the container if it does not exist yet (a start-up step).</summary>
    public async Task EnsureReadyAsync(CancellationToken cancellationToken)
    {
        await TranslateAsync(() => _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Streams the object: up to <see cref="BlockSize"/> it goes up in one request, as it always did; beyond, each
    /// <see cref="BlockSize"/> written is staged as a block (uncommitted blocks are invisible) and one Put Block List
    /// under <c>If-None-Match: *</c> commits them all at once, so memory holds one block, not the object. The MD5 is
    /// computed on the way either way, so a replay is recognised by it.
    /// </summary>
    public async Task<WrittenObject> WriteAsync<TState>(
        string name, TState state, Func<Stream, TState, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        var blob = _container.GetBlockBlobClient(BlobName(name));

        // Block ids are this write's own: another writer staging the same blob (a processor that lost the partition)
        // cannot swap a block of its into this one's list.
        string writeId = Guid.NewGuid().ToString("N");
        var blocks = new List<string>();
        await using var stream = new ChunkedWriteStream(BlockSize, async (chunk, ct) =>
        {
            string blockId = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes($"{writeId}-{blocks.Count:D6}"));
            using var content = MemoryMarshal.TryGetArray(chunk, out ArraySegment<byte> bytes)
                ? new MemoryStream(bytes.Array!, bytes.Offset, bytes.Count, writable: false)
                : new MemoryStream(chunk.ToArray(), writable: false);
            await TranslateAsync(() => blob.StageBlockAsync(blockId, content, new BlockBlobStageBlockOptions(), ct));
            blocks.Add(blockId);
        });
        await write(stream, state, cancellationToken);
        if (stream.Chunks > 0)
        {
            await stream.HandOnAsync(cancellationToken);
        }

        long length = stream.Length;
        ReadOnlyMemory<byte> whole = stream.Chunks == 0 ? stream.Pending : ReadOnlyMemory<byte>.Empty;
        byte[] hash = stream.Hash();
        var headers = new BlobHttpHeaders { ContentHash = hash };
        var ifAbsent = new BlobRequestConditions { IfNoneMatch = ETag.All };
        try
        {
            ETag etag = blocks.Count == 0
                ? (await TranslateAsync(
                    () => blob.UploadAsync(BinaryData.FromBytes(whole).ToStream(), new BlobUploadOptions { HttpHeaders = headers, Conditions = ifAbsent }, cancellationToken),
                    leaveToCaller: IsExistsConflict)).Value.ETag
                : (await TranslateAsync(
                    () => blob.CommitBlockListAsync(blocks, new CommitBlockListOptions { HttpHeaders = headers, Conditions = ifAbsent }, cancellationToken),
                    leaveToCaller: IsExistsConflict)).Value.ETag;
            return new WrittenObject(length, new ObjectVersion(etag.ToString()));
        }
        catch (RequestFailedException e) when (IsExistsConflict(e))
        {
            var (same, existing) = await CompareContentAsync(blob, length, hash, blocks.Count == 0 ? whole : null, cancellationToken);
            if (!same)
            {
                throw new StorageConflictException(name, Locate(name), StorageConflict.DifferentContent, e, existing);
            }

            // Not this writer's to delete (it did not create it), and no longer its uploader's either.
            await TakeOverAsync(name, blob, existing, cancellationToken);
            return new WrittenObject(length, Version: null);
        }
    }

    public async Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlobClient(BlobName(name));
        try
        {
            // No modifications allowed: a blob replaced while it is read fails the read instead of mixing two contents.
            return await TranslateAsync(
                () => blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = 4 << 20 }, cancellationToken),
                leaveToCaller: IsNotFound);
        }
        catch (RequestFailedException e) when (IsNotFound(e))
        {
            return null;
        }
    }

    public async Task<long?> GetLengthAsync(string name, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlobClient(BlobName(name));
        try
        {
            var properties = await TranslateAsync(() => blob.GetPropertiesAsync(cancellationToken: cancellationToken), leaveToCaller: IsNotFound);
            return properties.Value.ContentLength;
        }
        catch (RequestFailedException e) when (IsNotFound(e))
        {
            return null;
        }
    }

    /// <summary>
    /// Takes an identical blob out of its uploader's hands by a metadata write, which changes its ETag and not its
    /// content: the uploader, should it abandon its batch, deletes only at the ETag its upload returned, so it can no
    /// longer remove a blob another writer may now commit.
    /// </summary>
    private async Task TakeOverAsync(string name, BlobBaseClient blob, ObjectVersion existing, CancellationToken cancellationToken)
    {
        try
        {
            await blob.SetMetadataAsync(
                new Dictionary<string, string>(), new BlobRequestConditions { IfMatch = new ETag(existing.Value) }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.NotFound)
        {
            // Replaced or deleted since it was compared: write again, with the retry of the batch.
            throw new StorageConflictException(name, Locate(name), StorageConflict.VersionMismatch, e);
        }
    }

    public async Task<StoredObject?> ReadAsync(string name, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlobClient(BlobName(name));
        try
        {
            var result = (await TranslateAsync(() => blob.DownloadContentAsync(cancellationToken), leaveToCaller: IsNotFound)).Value;
            return new StoredObject(result.Content.ToMemory(), new ObjectVersion(result.Details.ETag.ToString()));
        }
        catch (RequestFailedException e) when (IsNotFound(e))
        {
            return null; // BlobNotFound, or ContainerNotFound: nothing of the run exists yet
        }
    }

    public IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        ObjectNames.ValidatePrefix(prefix);
        return ListCore(prefix, cancellationToken);
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlobClient(BlobName(name));
        return (await TranslateAsync(() => blob.DeleteIfExistsAsync(cancellationToken: cancellationToken))).Value;
    }

    public async Task<bool> DeleteIfMatchAsync(string name, ObjectVersion expected, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(expected.Value, nameof(expected));
        var blob = _container.GetBlobClient(BlobName(name));
        try
        {
            await TranslateAsync(
                () => blob.DeleteAsync(conditions: new BlobRequestConditions { IfMatch = new ETag(expected.Value) }, cancellationToken: cancellationToken),
                leaveToCaller: IsGoneOrChanged);
            return true;
        }
        catch (RequestFailedException e) when (IsGoneOrChanged(e))
        {
            return false;
        }
    }

    public IAsyncEnumerable<string> ListFoldersAsync(string folder, CancellationToken cancellationToken)
    {
        ObjectNames.ValidateFolder(folder);
        return ListFoldersCore(folder, cancellationToken);
    }

    /// <summary>Nothing to remove: an upload that never completed is not a blob (uncommitted blocks expire on their own).</summary>
    public Task<int> DeleteIncompleteAsync(string folder, Func<string, bool> isOurs, CancellationToken cancellationToken)
    {
        ObjectNames.ValidateFolder(folder);
        return Task.FromResult(0);
    }

    public Task<ObjectVersion> CreateIfAbsentAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        UploadConditionallyAsync(name, content, new BlobRequestConditions { IfNoneMatch = ETag.All }, StorageConflict.AlreadyExists, cancellationToken);

    public Task<ObjectVersion> ReplaceIfMatchAsync(
        string name, ReadOnlyMemory<byte> content, ObjectVersion expected, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(expected.Value, nameof(expected));
        return UploadConditionallyAsync(
            name, content, new BlobRequestConditions { IfMatch = new ETag(expected.Value) }, StorageConflict.VersionMismatch, cancellationToken);
    }

    private async Task<ObjectVersion> UploadConditionallyAsync(
        string name, ReadOnlyMemory<byte> content, BlobRequestConditions conditions, StorageConflict conflict, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlobClient(BlobName(name));
        // 412 ConditionNotMet: If-Match failed, or If-None-Match: * on an existing blob (the service answers 409
        // BlobAlreadyExists to the latter on a plain upload); 404 BlobNotFound: If-Match on a deleted blob.
        bool IsConflict(RequestFailedException e) =>
            IsExistsConflict(e) || (conflict == StorageConflict.VersionMismatch && IsNotFound(e));
        try
        {
            var info = await TranslateAsync(
                () => blob.UploadAsync(
                    BinaryData.FromBytes(content),
                    new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentHash = ContentHash(content.Span) }, Conditions = conditions },
                    cancellationToken),
                leaveToCaller: IsConflict);
            return new ObjectVersion(info.Value.ETag.ToString());
        }
        catch (RequestFailedException e) when (IsConflict(e))
        {
            throw new StorageConflictException(name, Locate(name), conflict, e);
        }
    }

    private async IAsyncEnumerable<string> ListFoldersCore(string folder, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pages = _container.GetBlobsByHierarchyAsync(
            new GetBlobsByHierarchyOptions { Prefix = _prefix + folder, Delimiter = ObjectNames.Separator.ToString() }, cancellationToken);
        await foreach (string prefix in Guard(pages, static item => item.IsPrefix ? item.Prefix : null, cancellationToken))
        {
            yield return prefix[_prefix.Length..];
        }
    }

    private async IAsyncEnumerable<string> ListCore(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pages = _container.GetBlobsAsync(new GetBlobsOptions { Prefix = _prefix + prefix }, cancellationToken);
        await foreach (string blobName in Guard(pages, static item => item.Name, cancellationToken))
        {
            yield return blobName[_prefix.Length..];
        }
    }

    /// <summary>
    /// The listing's selected values, with a missing container as an empty listing and a refusal as a
    /// <see cref="StorageAccessException"/> (a <c>yield</c> cannot sit inside a <c>try</c> with a <c>catch</c>).
    /// </summary>
    private async IAsyncEnumerable<string> Guard<T>(
        AsyncPageable<T> pages, Func<T, string?> select, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : notnull
    {
        var items = pages.GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                try
                {
                    if (!await TranslateAsync(() => items.MoveNextAsync().AsTask(), leaveToCaller: IsNotFound))
                    {
                        yield break;
                    }
                }
                catch (RequestFailedException e) when (IsNotFound(e))
                {
                    yield break; // ContainerNotFound: nothing to list
                }

                if (select(items.Current) is { } value)
                {
                    yield return value;
                }
            }
        }
        finally
        {
            await items.DisposeAsync();
        }
    }

    /// <summary>
    /// Whether the existing blob holds the same <paramref name="length"/> bytes with the same MD5 (its stored Content-MD5;
    /// without one, its bytes against <paramref name="content"/>, when the object was small enough to be kept whole), and
    /// its version.
    /// </summary>
    private static async Task<(bool Same, ObjectVersion Existing)> CompareContentAsync(
        BlobBaseClient blob, long length, byte[] hash, ReadOnlyMemory<byte>? content, CancellationToken cancellationToken)
    {
        BlobProperties properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
        var existing = new ObjectVersion(properties.ETag.ToString());
        if (properties.ContentLength != length)
        {
            return (false, existing);
        }

        if (properties.ContentHash is { Length: > 0 } stored)
        {
            return (stored.AsSpan().SequenceEqual(hash), existing);
        }

        if (content is not { } whole)
        {
            return (false, existing); // a large blob without a hash is not one of ours: its owner decides
        }

        var download = (await blob.DownloadContentAsync(
            new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = properties.ETag } }, cancellationToken)).Value;
        return (download.Content.ToMemory().Span.SequenceEqual(whole.Span), existing);
    }

    /// <summary>The connection string without its <c>ContainerName</c> entry (the SDK rejects unknown keys), and that entry's value.</summary>
    private static (string ConnectionString, string? ContainerName) SplitContainerName(string connectionString)
    {
        const string ContainerKey = "ContainerName";
        string? container = null;
        var kept = new List<string>();
        foreach (string entry in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && entry.AsSpan(0, equals).Trim().Equals(ContainerKey, StringComparison.OrdinalIgnoreCase))
            {
                container = entry[(equals + 1)..].Trim();
            }
            else
            {
                kept.Add(entry);
            }
        }

        return (string.Join(';', kept), string.IsNullOrEmpty(container) ? null : container);
    }

    private string BlobName(string name)
    {
        ObjectNames.Validate(name);
        return _prefix + name;
    }

    /// <summary>The blob's Content-MD5, which the service stores and reports back: an integrity and replay check, not security.</summary>
#pragma warning disable CA5351 // MD5 is what Blob Storage stores as Content-MD5; it identifies content, it protects nothing.
    private static byte[] ContentHash(ReadOnlySpan<byte> content) => MD5.HashData(content);
#pragma warning restore CA5351

    private static bool IsExistsConflict(RequestFailedException e) =>
        e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.Conflict;

    private static bool IsNotFound(RequestFailedException e) => e.Status == (int)HttpStatusCode.NotFound;

    private static bool IsGoneOrChanged(RequestFailedException e) =>
        e.Status is (int)HttpStatusCode.NotFound or (int)HttpStatusCode.PreconditionFailed;

    /// <summary>
    /// The one place a request's failure becomes a storage exception. Every failure <paramref name="leaveToCaller"/>
    /// does not claim (an answer the caller turns into a result or a <see cref="StorageConflictException"/>, and
    /// catches itself around this call) is refused (401/403), unreachable (status 0, after the client's retries) or
    /// failing (5xx). All become a <see cref="StorageAccessException"/>, an <see cref="IOException"/>, which the
    /// engine treats as a sink failure: it pauses, retries with backoff and reports the output unhealthy.
    /// </summary>
    /// <remarks>
    /// The caller's own handling stays outside this call, so what that handling does (a content comparison after a
    /// conflict, say) fails as it fails, untranslated, as before this wrapper existed.
    /// </remarks>
    private async Task<T> TranslateAsync<T>(Func<Task<T>> request, Func<RequestFailedException, bool>? leaveToCaller = null)
    {
        try
        {
            return await request();
        }
        catch (RequestFailedException e) when (leaveToCaller?.Invoke(e) != true)
        {
            throw AccessFailure(e);
        }
        catch (AggregateException e) when (RetriesExhausted(e) is { } last)
        {
            throw AccessFailure(last);
        }
    }

    /// <summary>
    /// The client gives up on a request that never got an answer (connection refused, timeouts) with an
    /// <see cref="AggregateException"/> of every attempt's failure, not a <see cref="RequestFailedException"/>: the last
    /// attempt's, or <c>null</c> when it holds anything else.
    /// </summary>
    private static RequestFailedException? RetriesExhausted(AggregateException e) =>
        e.InnerExceptions.Count > 0 && e.InnerExceptions.All(static inner => inner is RequestFailedException)
            ? (RequestFailedException)e.InnerExceptions[^1]
            : null;

    private StorageAccessException AccessFailure(RequestFailedException e)
    {
        string where = $"container '{_container.Name}' of account '{_container.AccountName}' ({_container.Uri.GetLeftPart(UriPartial.Authority)})";
        string message = e.Status switch
        {
            0 => $"Azure Blob Storage could not be reached for {where}: {e.Message.Split('\n')[0]}",
            (int)HttpStatusCode.Forbidden or (int)HttpStatusCode.Unauthorized =>
                $"Azure Blob Storage refused access to {where} ({e.Status} {e.ErrorCode}): check the account name and key " +
                "(or the identity's role) in the output connection string.",
            _ => $"Azure Blob Storage failed a request to {where} ({e.Status} {e.ErrorCode}).",
        };
        return new StorageAccessException(message, e);
    }
}
