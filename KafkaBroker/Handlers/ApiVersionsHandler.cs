using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>
/// ApiVersions (18) v0–3. v3 is the only flexible version this broker speaks: its request header
/// carries a tag section and its body compact strings, but its response header stays v0 (no tag
/// byte), as librdkafka expects. A version above 3 gets error 35 in a v0-shaped body, so clients
/// retry with a lower version instead of disconnecting.
/// </summary>
internal sealed class ApiVersionsHandler(HandlerRegistry registry) : IRequestHandler
{
    public ApiKey ApiKey => ApiKey.ApiVersions;

    public short MinVersion => 0;

    public short MaxVersion => 3;

    public short FirstFlexibleVersion => 3;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var version = context.Version;
        if (version > MaxVersion)
        {
            response.WriteInt16(ErrorCode.UnsupportedVersion);
            response.WriteArrayLength(1);
            WriteEntry(response, this, flexible: false);
            return ValueTask.FromResult(true);
        }

        // The request body is not needed (v3: client software name and version, then tags).
        var handlers = registry.Handlers;
        var flexible = version >= 3;
        response.WriteInt16(ErrorCode.None);
        if (flexible)
        {
            response.WriteCompactArrayLength(handlers.Count);
        }
        else
        {
            response.WriteArrayLength(handlers.Count);
        }

        foreach (var handler in handlers)
        {
            WriteEntry(response, handler, flexible);
        }

        if (version >= 1)
        {
            response.WriteInt32(0); // throttle time
        }

        if (flexible)
        {
            response.WriteEmptyTaggedFields();
        }

        return ValueTask.FromResult(true);
    }

    private static void WriteEntry(KafkaWriter response, IRequestHandler handler, bool flexible)
    {
        response.WriteInt16((short)handler.ApiKey);
        response.WriteInt16(handler.MinVersion);
        response.WriteInt16(handler.MaxVersion);
        if (flexible)
        {
            response.WriteEmptyTaggedFields();
        }
    }
}
