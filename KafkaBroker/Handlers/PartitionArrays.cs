using Pipeline.KafkaBroker.Protocol;
using Pipeline.KafkaBroker.Storage;

namespace Pipeline.KafkaBroker.Handlers;

/// <summary>
/// The topics-then-partitions arrays that many non-flexible requests and their responses share (ListOffsets,
/// DeleteRecords): each topic name and partition count is read from the request and echoed into the response, and
/// the answer reads the rest of one partition's request entry and writes its response entry, given the
/// topic (null when the broker does not have it) and the partition index it was asked about.
/// </summary>
internal static class PartitionArrays
{
    public static void Answer(RequestContext context, KafkaReader request, KafkaWriter response, Action<TopicLog?, int> answer)
    {
        var topicCount = request.ReadArrayLength();
        response.WriteArrayLength(Math.Max(topicCount, 0));
        for (var t = 0; t < topicCount; t++)
        {
            var name = request.ReadString();
            var topic = context.Broker.Topics.TryGet(name, out var found) ? found : null;
            var partitionCount = request.ReadArrayLength();
            response.WriteString(name);
            response.WriteArrayLength(Math.Max(partitionCount, 0));
            for (var p = 0; p < partitionCount; p++)
            {
                var index = request.ReadInt32();
                response.WriteInt32(index);
                answer(topic, index);
            }
        }
    }
}
