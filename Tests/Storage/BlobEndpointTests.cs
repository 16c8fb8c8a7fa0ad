using Pipeline.StreamProcessor.Sinks;
using Pipeline.StreamProcessor.Storage;

namespace Pipeline.Tests.Storage;

/// <summary>
/// <c>ConnectionStrings:output</c> as a blob endpoint URI (what Aspire's Azure Storage resources give once deployed):
/// the container it names and the account, with <c>DefaultAzureCredential</c> for the identity. Only the parsing is
/// tested here; no Entra ID token can be had on this machine.
/// </summary>
public sealed class BlobEndpointTests
{
    [Theory]
    [InlineData("https://acct.blob.core.windows.net/", "pipeline", "https://acct.blob.core.windows.net/pipeline", "acct", "pipeline")]
    [InlineData("https://acct.blob.core.windows.net", "pipeline", "https://acct.blob.core.windows.net/pipeline", "acct", "pipeline")]
    [InlineData("https://acct.blob.core.windows.net/runs", "pipeline", "https://acct.blob.core.windows.net/runs", "acct", "runs")]
    [InlineData("https://127.0.0.1:10000/devstoreaccount1/", "pipeline", "https://127.0.0.1:10000/devstoreaccount1/pipeline", "devstoreaccount1", "pipeline")]
    [InlineData("https://127.0.0.1:10000/devstoreaccount1/runs", "pipeline", "https://127.0.0.1:10000/devstoreaccount1/runs", "devstoreaccount1", "runs")]
    public void FromConnectionString_BlobEndpointUri_NamesTheContainerAndTheAccount(
        string endpoint, string containerName, string expectedUri, string expectedAccount, string expectedContainer)
    {
        // Act
        var storage = BlobStorage.FromConnectionString(endpoint, containerName, "run_default");

        // Assert
        Assert.Equal(expectedUri, storage.Container.Uri.ToString());
        Assert.Equal(expectedAccount, storage.Container.AccountName);
        Assert.Equal(expectedContainer, storage.Container.Name);
        Assert.Equal(expectedUri + "/run_default/", storage.Root);
    }

    [Theory]
    [InlineData("https://acct.blob.core.windows.net/runs/nested")]
    [InlineData("https://acct.blob.core.windows.net/runs?sv=2024-01-01&sig=secret")]
    [InlineData("http://acct.blob.core.windows.net/runs")] // a token is never sent over plain HTTP
    public void Validator_BlobEndpointUriItCannotUse_FailsNamingTheSettingWithoutTheQuery(string endpoint)
    {
        // Arrange
        var options = new SinkOptions { OutputConnectionString = endpoint };

        // Act
        var result = new SinkOptionsValidator().Validate(null, options);

        // Assert
        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith(SinkOptions.OutputConnectionSetting + " is not a valid Azure Storage connection string", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", failure, StringComparison.Ordinal);
    }
}
