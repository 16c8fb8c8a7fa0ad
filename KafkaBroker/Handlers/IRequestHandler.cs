using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>Serves one Kafka API key in the version range it advertises.</summary>
internal interface IRequestHandler
{
    ApiKey ApiKey { get; }

    short MinVersion { get; }

    short MaxVersion { get; }

    /// <summary>
    /// The first flexible version (compact fields, tagged fields, request header v2, response header v1);
    /// <see cref="short.MaxValue"/> when the handler speaks none.
    /// </summary>
    short FirstFlexibleVersion => short.MaxValue;

    /// <summary>
    /// Reads the request body from <paramref name="request"/> and writes the response body
    /// (everything after the correlation id) to <paramref name="response"/>.
    /// Returns false when the request gets no response at all (Produce with acks=0).
    /// </summary>
    ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response, CancellationToken cancellationToken);
}
