"""kafka-python round trip against a broker, driven by Tests/KafkaBroker/Clients/KafkaPythonTests.cs.

Usage: roundtrip.py BOOTSTRAP TOPIC GROUP COUNT
Creates TOPIC (2 partitions), produces COUNT keyed messages, consumes them in GROUP, commits,
then checks that a second member of GROUP starts after the committed offsets. Prints one JSON
object on stdout; any failure raises (non-zero exit, traceback on stderr).
"""
import json
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic


def consume(bootstrap, topic, group, wanted, timeout_s):
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=1000,
    )
    records = []
    deadline = time.monotonic() + timeout_s
    while len(records) < wanted and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=500).values():
            records.extend(batch)
    consumer.commit()
    consumer.close()
    return records


def main(bootstrap, topic, group, count):
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(name=topic, num_partitions=2, replication_factor=1)])
    topics = sorted(admin.list_topics())
    admin.close()

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    for i in range(count):
        producer.send(topic, key=f"key-{i % 4}".encode(), value=f"python-{i}".encode())
    producer.flush()
    producer.close()

    first = consume(bootstrap, topic, group, count, timeout_s=30)
    # Nothing new was produced: a second member of the group resumes at the committed offsets.
    second = consume(bootstrap, topic, group, 1, timeout_s=3)
    print(json.dumps({
        "topics": topics,
        "consumed": sorted(r.value.decode() for r in first),
        "partitions": sorted({r.partition for r in first}),
        "after_commit": len(second),
    }))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
