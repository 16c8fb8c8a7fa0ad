// kafkajs round trip against a broker, driven by Tests/KafkaBroker/Clients/KafkaJsTests.cs.
// Usage: node roundtrip.js BOOTSTRAP TOPIC GROUP COUNT
// Creates TOPIC (2 partitions), lists metadata, produces COUNT keyed messages, consumes them in
// GROUP with committed offsets, then checks that a second member of GROUP starts after them.
// Prints one JSON object on stdout; any failure exits non-zero with the error on stderr.
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

const [bootstrap, topic, group, countText] = process.argv.slice(2);
const count = Number(countText);
const kafka = new Kafka({ clientId: 'pipeline-tests', brokers: [bootstrap], logLevel: logLevel.ERROR });

async function consume(wanted, timeoutMs) {
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values = [];
  const partitions = new Set();
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    consumer.run({
      // Offsets are committed by kafkajs after each batch (autoCommit), and on disconnect.
      eachMessage: async ({ partition, message }) => {
        values.push(message.value.toString());
        partitions.add(partition);
        if (values.length >= wanted) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return { values, partitions: [...partitions] };
}

async function main() {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const topics = (await admin.listTopics()).sort();
  await admin.disconnect();

  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const messages = Array.from({ length: count }, (_, i) => ({ key: `key-${i % 4}`, value: `node-${i}` }));
  await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();

  const first = await consume(count, 30000);
  const second = await consume(1, 3000);
  console.log(JSON.stringify({
    topics,
    partitionCount: metadata.topics[0].partitions.length,
    consumed: first.values.sort(),
    partitions: first.partitions.sort(),
    afterCommit: second.values.length,
  }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
