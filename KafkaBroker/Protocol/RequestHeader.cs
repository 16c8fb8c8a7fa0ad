namespace Pipeline.KafkaBroker.Protocol;

/// <summary>The request header (v1, or v2 for flexible requests: the same fields plus tags).</summary>
public readonly record struct RequestHeader(ApiKey ApiKey, short ApiVersion, int CorrelationId, string? ClientId)
{
    /// <summary>Reads api key, version, correlation id and client id (a classic string in v1 and v2).</summary>
    public static RequestHeader Read(KafkaReader reader)
    {
        var apiKey = (ApiKey)reader.ReadInt16();
        var apiVersion = reader.ReadInt16();
        var correlationId = reader.ReadInt32();
        var clientId = reader.ReadNullableString();
        return new RequestHeader(apiKey, apiVersion, correlationId, clientId);
    }
}
