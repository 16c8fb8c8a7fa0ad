namespace Pipeline.KafkaBroker.Groups;

/// <summary>Kafka's classic group states (names as DescribeGroups/ListGroups report them).</summary>
internal enum GroupState
{
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
}
