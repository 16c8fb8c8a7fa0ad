namespace Pipeline.KafkaBroker.Groups;

/// <summary>One member of a classic group. Assignor data is relayed verbatim, never parsed.</summary>
internal sealed class GroupMember(string id, string clientId, string clientHost)
{
    public string Id { get; } = id;

    public string ClientId { get; } = clientId;

    public string ClientHost { get; } = clientHost;

    public string? InstanceId { get; set; }

    public TimeSpan SessionTimeout { get; set; }

    public TimeSpan RebalanceTimeout { get; set; }

    public string ProtocolType { get; set; } = string.Empty;

    public IReadOnlyList<(string Name, byte[] Metadata)> Protocols { get; set; } = [];

    public byte[] Assignment { get; set; } = [];

    /// <summary>When the session ends without a heartbeat (a <see cref="TimeProvider.GetTimestamp"/> value).</summary>
    public long SessionDeadline { get; set; }

    /// <summary>A JoinGroup waiting for the rebalance to complete.</summary>
    public TaskCompletionSource<JoinResult>? PendingJoin { get; set; }

    /// <summary>A SyncGroup waiting for the leader's assignment.</summary>
    public TaskCompletionSource<SyncResult>? PendingSync { get; set; }

    public byte[]? MetadataFor(string protocol)
    {
        foreach (var (name, metadata) in Protocols)
        {
            if (name == protocol)
            {
                return metadata;
            }
        }

        return null;
    }

    /// <summary>Same protocols with the same metadata, in the same order: a rejoin that needs no rebalance.</summary>
    public bool HasSameProtocols(IReadOnlyList<(string Name, byte[] Metadata)> protocols)
    {
        if (protocols.Count != Protocols.Count)
        {
            return false;
        }

        for (var i = 0; i < protocols.Count; i++)
        {
            if (protocols[i].Name != Protocols[i].Name || !protocols[i].Metadata.AsSpan().SequenceEqual(Protocols[i].Metadata))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>The answer to a JoinGroup; <see cref="Members"/> only for the leader.</summary>
internal sealed record JoinResult(
    Protocol.ErrorCode Error, int Generation, string ProtocolName, string Leader, string MemberId, IReadOnlyList<(string MemberId, string? InstanceId, byte[] Metadata)> Members)
{
    public static JoinResult Failed(Protocol.ErrorCode error, string memberId) => new(error, -1, string.Empty, string.Empty, memberId, []);
}

/// <summary>The answer to a SyncGroup.</summary>
internal sealed record SyncResult(Protocol.ErrorCode Error, byte[] Assignment);
