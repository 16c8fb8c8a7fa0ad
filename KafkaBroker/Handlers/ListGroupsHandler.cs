using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>
/// ListGroups (16) v0–4: every group this node coordinates. v4 adds the group state and a filter by state,
/// which librdkafka's ListConsumerGroups reports (with v2 every state reads "Unknown").
/// </summary>
internal sealed class ListGroupsHandler : IRequestHandler
{
    public ApiKey ApiKey => ApiKey.ListGroups;

    public short MinVersion => 0;

    public short MaxVersion => 4;

    public short FirstFlexibleVersion => 3;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var version = context.Version;
        var flexible = version >= FirstFlexibleVersion;
        var statesFilter = version >= 4 ? ReadStatesFilter(request) : [];
        if (flexible)
        {
            request.SkipTaggedFields();
        }

        if (version >= 1)
        {
            response.WriteInt32(0); // throttle time
        }

        var groups = context.Broker.Groups.Groups
            .Where(g => statesFilter.Count == 0 || statesFilter.Contains(g.State.ToString()))
            .ToList();
        response.WriteInt16(ErrorCode.None);
        if (!flexible)
        {
            response.WriteArrayLength(groups.Count);
            foreach (var group in groups)
            {
                response.WriteString(group.Id);
                response.WriteString(group.ProtocolType ?? "consumer");
            }

            return ValueTask.FromResult(true);
        }

        response.WriteCompactArrayLength(groups.Count);
        foreach (var group in groups)
        {
            response.WriteCompactString(group.Id);
            response.WriteCompactString(group.ProtocolType ?? "consumer");
            if (version >= 4)
            {
                response.WriteCompactString(group.State.ToString());
            }

            response.WriteEmptyTaggedFields();
        }

        response.WriteEmptyTaggedFields();
        return ValueTask.FromResult(true);
    }

    private static HashSet<string> ReadStatesFilter(KafkaReader request)
    {
        var count = (int)request.ReadUnsignedVarint() - 1;
        var states = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            states.Add(request.ReadCompactNullableString() ?? string.Empty);
        }

        return states;
    }
}
