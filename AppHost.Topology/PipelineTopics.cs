using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Pipeline.AppHost.Topology;

/// <summary>Creates the pipeline's topics when Kafka is ready, before anything waiting for it starts.</summary>
public static class PipelineTopics
{
    /// <summary>
    /// Aspire has no topic API: the topics are created from Kafka's ready event, which
    /// <c>WaitFor(kafka)</c> awaits, so they exist with their partition counts before the Producer
    /// and the StreamProcessor start. The ready event never fires in publish mode (compose creates
    /// them with a one-shot service instead, see <see cref="TopicInitCommands"/>).
    /// </summary>
    public static PipelineKafka WithPipelineTopics(this PipelineKafka kafka, PipelineSettings settings)
    {
        ArgumentNullException.ThrowIfNull(kafka);
        ArgumentNullException.ThrowIfNull(settings);
        var connection = kafka.Connection.Resource;
        kafka.Ready.OnResourceReady(async (resource, @event, cancellationToken) =>
        {
            var bootstrapServers = await connection.ConnectionStringExpression.GetValueAsync(cancellationToken)
                ?? throw new InvalidOperationException($"The '{connection.Name}' resource has no connection string.");
            var logger = @event.Services.GetRequiredService<ResourceLoggerService>().GetLogger(resource);
            await TopicProvisioner.EnsureTopicsAsync(bootstrapServers, settings.Topics, settings.TopicReplicationFactor, logger, cancellationToken);
        });
        return kafka;
    }
}
