using Microsoft.Extensions.Logging;
using Pipeline.KafkaBroker.Protocol;

namespace Pipeline.KafkaBroker.Groups;

/// <summary>
/// One classic consumer group and its state machine (Kafka's GroupCoordinator semantics, written
/// from the protocol description): joins are parked until every known member rejoined or the
/// rebalance timeout passed, then the generation moves on and the leader's SyncGroup hands each
/// member its assignment. Every method runs under <see cref="Sync"/>.
/// </summary>
internal sealed class ConsumerGroup(string id, TimeProvider time, TimeSpan initialRebalanceDelay, ILogger logger)
{
    private readonly Dictionary<string, GroupMember> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _pendingMembers = new(StringComparer.Ordinal);
    private long _rebalanceDeadline;
    private long _joinNotBefore;
    private long _syncDeadline;

    public Lock Sync { get; } = new();

    public string Id { get; } = id;

    public GroupState State { get; private set; } = GroupState.Empty;

    public int Generation { get; private set; }

    public string? ProtocolType { get; private set; }

    public string? Protocol { get; private set; }

    public string? LeaderId { get; private set; }

    public IReadOnlyCollection<GroupMember> Members => _members.Values;

    public GroupMember? Member(string memberId) => _members.GetValueOrDefault(memberId);

    /// <summary>Handles a JoinGroup; the returned task completes when the rebalance does.</summary>
    public Task<JoinResult> Join(
        string memberId, string? instanceId, string clientId, string clientHost, short version,
        TimeSpan sessionTimeout, TimeSpan rebalanceTimeout, string protocolType, IReadOnlyList<(string Name, byte[] Metadata)> protocols)
    {
        if (State == GroupState.Dead)
        {
            return Task.FromResult(JoinResult.Failed(ErrorCode.CoordinatorNotAvailable, memberId));
        }

        if (protocols.Count == 0 || (_members.Count > 0 && (protocolType != ProtocolType || !SharesProtocolWithAll(protocols, memberId))))
        {
            return Task.FromResult(JoinResult.Failed(ErrorCode.InconsistentGroupProtocol, memberId));
        }

        var now = time.GetTimestamp();
        GroupMember? member;
        if (memberId.Length == 0)
        {
            var newId = (clientId.Length == 0 ? "member" : clientId) + "-" + Guid.NewGuid().ToString("D");
            if (version >= 4 && instanceId is null)
            {
                // KIP-394: the client must come back with this id; until then it is only pending.
                _pendingMembers[newId] = now + Ticks(sessionTimeout);
                return Task.FromResult(JoinResult.Failed(ErrorCode.MemberIdRequired, newId));
            }

            member = new GroupMember(newId, clientId, clientHost);
            _members[newId] = member;
            Log.MemberJoined(logger, Id, newId, clientHost);
        }
        else if (_pendingMembers.Remove(memberId))
        {
            member = new GroupMember(memberId, clientId, clientHost);
            _members[memberId] = member;
            Log.MemberJoined(logger, Id, memberId, clientHost);
        }
        else if (!_members.TryGetValue(memberId, out member))
        {
            return Task.FromResult(JoinResult.Failed(ErrorCode.UnknownMemberId, memberId));
        }
        else if (State is GroupState.Stable or GroupState.CompletingRebalance && member.Id != LeaderId && member.HasSameProtocols(protocols))
        {
            // A follower rejoining with nothing changed gets the current generation, no rebalance.
            member.SessionDeadline = now + Ticks(member.SessionTimeout);
            return Task.FromResult(ResultFor(member));
        }

        member.InstanceId = instanceId;
        member.SessionTimeout = sessionTimeout;
        member.RebalanceTimeout = rebalanceTimeout;
        member.ProtocolType = protocolType;
        member.Protocols = protocols;
        member.SessionDeadline = now + Ticks(sessionTimeout);
        member.PendingJoin?.TrySetResult(JoinResult.Failed(ErrorCode.RebalanceInProgress, member.Id));
        member.PendingJoin = new TaskCompletionSource<JoinResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        ProtocolType ??= protocolType;
        var pending = member.PendingJoin.Task;
        if (State != GroupState.PreparingRebalance)
        {
            PrepareRebalance(now, $"member {member.Id} joined");
        }

        TryCompleteJoin(now);
        return pending;
    }

    /// <summary>Handles a SyncGroup; the task completes when the leader's assignment arrives.</summary>
    public Task<SyncResult> SyncGroup(string memberId, int generation, IReadOnlyDictionary<string, byte[]> assignments)
    {
        if (!_members.TryGetValue(memberId, out var member))
        {
            return Task.FromResult(new SyncResult(ErrorCode.UnknownMemberId, []));
        }

        if (generation != Generation)
        {
            return Task.FromResult(new SyncResult(ErrorCode.IllegalGeneration, []));
        }

        member.SessionDeadline = time.GetTimestamp() + Ticks(member.SessionTimeout);
        switch (State)
        {
            case GroupState.PreparingRebalance:
                return Task.FromResult(new SyncResult(ErrorCode.RebalanceInProgress, []));
            case GroupState.Stable:
                return Task.FromResult(new SyncResult(ErrorCode.None, member.Assignment));
            case GroupState.CompletingRebalance:
                member.PendingSync?.TrySetResult(new SyncResult(ErrorCode.RebalanceInProgress, []));
                member.PendingSync = new TaskCompletionSource<SyncResult>(TaskCreationOptions.RunContinuationsAsynchronously);
                var pending = member.PendingSync.Task;
                if (memberId == LeaderId)
                {
                    foreach (var m in _members.Values)
                    {
                        // Members the leader left out get an empty assignment.
                        m.Assignment = assignments.GetValueOrDefault(m.Id) ?? [];
                    }

                    State = GroupState.Stable;
                    Log.GroupStable(logger, Id, Generation, _members.Count, Protocol ?? string.Empty);
                    foreach (var m in _members.Values)
                    {
                        m.PendingSync?.TrySetResult(new SyncResult(ErrorCode.None, m.Assignment));
                        m.PendingSync = null;
                    }
                }

                return pending;
            default:
                return Task.FromResult(new SyncResult(ErrorCode.UnknownMemberId, []));
        }
    }

    public ErrorCode Heartbeat(string memberId, int generation)
    {
        if (!_members.TryGetValue(memberId, out var member))
        {
            return ErrorCode.UnknownMemberId;
        }

        if (generation != Generation)
        {
            return ErrorCode.IllegalGeneration;
        }

        member.SessionDeadline = time.GetTimestamp() + Ticks(member.SessionTimeout);
        return State == GroupState.PreparingRebalance ? ErrorCode.RebalanceInProgress : ErrorCode.None;
    }

    public ErrorCode Leave(string memberId)
    {
        if (!_members.ContainsKey(memberId))
        {
            return ErrorCode.UnknownMemberId;
        }

        Remove(memberId, "left the group");
        return ErrorCode.None;
    }

    /// <summary>Kafka's offset-commit validation for a classic group.</summary>
    public ErrorCode ValidateCommit(string memberId, int generation)
    {
        if (generation < 0 && memberId.Length == 0)
        {
            // Assign()-style commits without membership: only while nobody is a member.
            return _members.Count == 0 ? ErrorCode.None : ErrorCode.UnknownMemberId;
        }

        if (!_members.TryGetValue(memberId, out var member))
        {
            return ErrorCode.UnknownMemberId;
        }

        if (generation != Generation)
        {
            return ErrorCode.IllegalGeneration;
        }

        if (State == GroupState.CompletingRebalance)
        {
            return ErrorCode.RebalanceInProgress;
        }

        member.SessionDeadline = time.GetTimestamp() + Ticks(member.SessionTimeout);
        return ErrorCode.None;
    }

    /// <summary>Expires sessions, pending members and overdue rebalances; called periodically.</summary>
    public void Tick()
    {
        var now = time.GetTimestamp();
        foreach (var (pendingId, deadline) in _pendingMembers.ToList())
        {
            if (now >= deadline)
            {
                _pendingMembers.Remove(pendingId);
            }
        }

        foreach (var member in _members.Values.ToList())
        {
            // Members parked in a join or sync are alive by definition.
            if (member.PendingJoin is null && member.PendingSync is null && now >= member.SessionDeadline)
            {
                Remove(member.Id, "session expired");
            }
        }

        if (State == GroupState.CompletingRebalance && now >= _syncDeadline)
        {
            foreach (var member in _members.Values.ToList())
            {
                if (member.PendingSync is null)
                {
                    Remove(member.Id, "never sent SyncGroup");
                }
            }
        }

        TryCompleteJoin(now);
    }

    private void Remove(string memberId, string reason)
    {
        var member = _members[memberId];
        _members.Remove(memberId);
        member.PendingJoin?.TrySetResult(JoinResult.Failed(ErrorCode.UnknownMemberId, memberId));
        member.PendingSync?.TrySetResult(new SyncResult(ErrorCode.UnknownMemberId, []));
        Log.MemberRemoved(logger, Id, memberId, reason);
        var now = time.GetTimestamp();
        if (_members.Count == 0 && State != GroupState.PreparingRebalance)
        {
            Generation++;
            State = GroupState.Empty;
            LeaderId = null;
            Protocol = null;
            ProtocolType = null;
            return;
        }

        if (State is GroupState.Stable or GroupState.CompletingRebalance)
        {
            PrepareRebalance(now, $"member {memberId} {reason}");
        }

        TryCompleteJoin(now);
    }

    private void PrepareRebalance(long now, string reason)
    {
        if (State == GroupState.CompletingRebalance)
        {
            foreach (var member in _members.Values)
            {
                member.PendingSync?.TrySetResult(new SyncResult(ErrorCode.RebalanceInProgress, []));
                member.PendingSync = null;
            }
        }

        var timeout = TimeSpan.Zero;
        foreach (var member in _members.Values)
        {
            timeout = member.RebalanceTimeout > timeout ? member.RebalanceTimeout : timeout;
        }

        _joinNotBefore = State == GroupState.Empty ? now + Ticks(initialRebalanceDelay) : now;
        _rebalanceDeadline = now + Ticks(timeout);
        State = GroupState.PreparingRebalance;
        Log.RebalanceStarted(logger, Id, Generation, reason);
    }

    private void TryCompleteJoin(long now)
    {
        if (State != GroupState.PreparingRebalance || now < _joinNotBefore)
        {
            return;
        }

        var everyoneJoined = _pendingMembers.Count == 0;
        foreach (var member in _members.Values)
        {
            everyoneJoined &= member.PendingJoin is not null;
        }

        if (!everyoneJoined && now < _rebalanceDeadline)
        {
            return;
        }

        foreach (var member in _members.Values.ToList())
        {
            if (member.PendingJoin is null)
            {
                _members.Remove(member.Id);
                Log.MemberRemoved(logger, Id, member.Id, "did not rejoin in time");
            }
        }

        Generation++;
        if (_members.Count == 0)
        {
            State = GroupState.Empty;
            LeaderId = null;
            Protocol = null;
            ProtocolType = null;
            return;
        }

        if (LeaderId is null || !_members.ContainsKey(LeaderId))
        {
            LeaderId = _members.Keys.First();
        }

        Protocol = SelectProtocol();
        State = GroupState.CompletingRebalance;
        var syncTimeout = TimeSpan.Zero;
        foreach (var member in _members.Values)
        {
            syncTimeout = member.RebalanceTimeout > syncTimeout ? member.RebalanceTimeout : syncTimeout;
        }

        _syncDeadline = now + Ticks(syncTimeout);
        Log.RebalanceCompleted(logger, Id, Generation, _members.Count, LeaderId, Protocol);
        foreach (var member in _members.Values)
        {
            member.SessionDeadline = now + Ticks(member.SessionTimeout);
            member.PendingJoin!.TrySetResult(ResultFor(member));
            member.PendingJoin = null;
        }
    }

    private JoinResult ResultFor(GroupMember member)
    {
        var members = new List<(string, string?, byte[])>();
        if (member.Id == LeaderId)
        {
            foreach (var m in _members.Values)
            {
                members.Add((m.Id, m.InstanceId, m.MetadataFor(Protocol!) ?? []));
            }
        }

        return new JoinResult(ErrorCode.None, Generation, Protocol!, LeaderId!, member.Id, members);
    }

    /// <summary>Each member votes for its first protocol that every member supports; most votes wins.</summary>
    private string SelectProtocol()
    {
        var votes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var member in _members.Values)
        {
            foreach (var (name, _) in member.Protocols)
            {
                if (_members.Values.All(m => m.MetadataFor(name) is not null))
                {
                    votes[name] = votes.GetValueOrDefault(name) + 1;
                    break;
                }
            }
        }

        return votes.OrderByDescending(v => v.Value).ThenBy(v => v.Key, StringComparer.Ordinal).First().Key;
    }

    private bool SharesProtocolWithAll(IReadOnlyList<(string Name, byte[] Metadata)> protocols, string joiningMemberId)
    {
        foreach (var (name, _) in protocols)
        {
            var everyone = true;
            foreach (var member in _members.Values)
            {
                everyone &= member.Id == joiningMemberId || member.MetadataFor(name) is not null;
            }

            if (everyone)
            {
                return true;
            }
        }

        return false;
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);
}
