using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>DescribeGroups (15) v0–4: state, assignor and members (metadata and assignment relayed as stored).</summary>
internal sealed class DescribeGroupsHandler : IRequestHandler
{
    public ApiKey ApiKey => ApiKey.DescribeGroups;

    public short MinVersion => 0;

    public short MaxVersion => 4;

    public ValueTask<bool> HandleAsync(RequestContext context, KafkaReader request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var version = context.Version;
        var count = request.ReadArrayLength();
        var ids = new List<string>(Math.Max(count, 0));
        for (var i = 0; i < count; i++)
        {
            ids.Add(request.ReadString());
        }

        if (version >= 1)
        {
            response.WriteInt32(0); // throttle time
        }

        response.WriteArrayLength(ids.Count);
        foreach (var id in ids)
        {
            var group = context.Broker.Groups.Find(id);
            if (group is null)
            {
                // Kafka describes an unknown group as Dead with no members.
                response.WriteInt16(ErrorCode.None);
                response.WriteString(id);
                response.WriteString("Dead");
                response.WriteString(string.Empty);
                response.WriteString(string.Empty);
                response.WriteArrayLength(0);
            }
            else
            {
                lock (group.Sync)
                {
                    response.WriteInt16(ErrorCode.None);
                    response.WriteString(id);
                    response.WriteString(group.State.ToString());
                    response.WriteString(group.ProtocolType ?? string.Empty);
                    response.WriteString(group.State == Groups.GroupState.Stable ? group.Protocol ?? string.Empty : string.Empty);
                    response.WriteArrayLength(group.Members.Count);
                    foreach (var member in group.Members)
                    {
                        response.WriteString(member.Id);
                        if (version >= 4)
                        {
                            response.WriteString(member.InstanceId);
                        }

                        response.WriteString(member.ClientId);
                        response.WriteString(member.ClientHost);
                        response.WriteBytes(group.Protocol is { } protocol ? member.MetadataFor(protocol) ?? [] : []);
                        response.WriteBytes(member.Assignment);
                    }
                }
            }

            if (version >= 3)
            {
                response.WriteInt32(int.MinValue); // authorized operations: not provided
            }
        }

        return ValueTask.FromResult(true);
    }
}
