using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>
/// The single ApiKey → handler table. ApiVersions is always present and advertises exactly what is
/// registered here, so a client never sees a version the broker cannot parse.
/// </summary>
internal sealed class HandlerRegistry
{
    private readonly IRequestHandler?[] _byKey = new IRequestHandler?[128];
    private readonly List<IRequestHandler> _handlers = [];

    public HandlerRegistry(IEnumerable<IRequestHandler> handlers)
    {
        Register(new ApiVersionsHandler(this));
        foreach (var handler in handlers)
        {
            Register(handler);
        }

        _handlers.Sort((a, b) => a.ApiKey.CompareTo(b.ApiKey));
    }

    /// <summary>Every handler, sorted by API key.</summary>
    public IReadOnlyList<IRequestHandler> Handlers => _handlers;

    public IRequestHandler? Find(ApiKey key) =>
        (ushort)key < _byKey.Length ? _byKey[(int)key] : null;

    /// <summary>The handlers of this broker, one per implemented API key.</summary>
    public static HandlerRegistry CreateDefault() => new(
    [
        new ProduceHandler(),
        new FetchHandler(),
        new ListOffsetsHandler(),
        new MetadataHandler(),
        new OffsetCommitHandler(),
        new OffsetFetchHandler(),
        new FindCoordinatorHandler(),
        new JoinGroupHandler(),
        new HeartbeatHandler(),
        new LeaveGroupHandler(),
        new SyncGroupHandler(),
        new DescribeGroupsHandler(),
        new ListGroupsHandler(),
        new CreateTopicsHandler(),
        new DeleteTopicsHandler(),
        new DeleteRecordsHandler(),
        new InitProducerIdHandler(),
    ]);

    private void Register(IRequestHandler handler)
    {
        var key = (int)handler.ApiKey;
        if ((uint)key >= _byKey.Length || _byKey[key] is not null)
        {
            throw new InvalidOperationException($"Cannot register a handler for {handler.ApiKey} twice or out of range.");
        }

        _byKey[key] = handler;
        _handlers.Add(handler);
    }
}
