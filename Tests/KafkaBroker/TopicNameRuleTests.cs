using Pipeline.KafkaBroker.Storage;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.Tests.KafkaBroker;

/// <summary>
/// The broker keeps its own copy of Kafka's topic-name rule (it does not reference ServiceDefaults); these tests pin
/// it to the services' <see cref="KafkaTopicName"/>, so a topic a service accepts is one the broker accepts, and a
/// name either refuses is refused by both with the same words.
/// </summary>
public sealed class TopicNameRuleTests
{
    // Valid characters, characters Kafka refuses (space, slash, colon, non-ASCII letters and digits), and dots,
    // weighted so that generated names are often valid and often '.'/'..'-like.
    private const string Alphabet = "abcXYZ0189._-.. /:é٣\t";

    public static TheoryData<string?> EdgeNames => new(
        null, "", ".", "..", "...", "..x", "a", "a.b_c-D9", "has space", "slash/", "ümlaut", "٣",
        new string('t', KafkaTopicName.MaxLength - 1),
        new string('t', KafkaTopicName.MaxLength),
        new string('t', KafkaTopicName.MaxLength + 1),
        new string('.', KafkaTopicName.MaxLength));

    [Theory]
    [MemberData(nameof(EdgeNames))]
    public void Validate_EdgeName_AnswersAsTheServicesRule(string? name) =>
        Assert.Equal(KafkaTopicName.Validate(name), TopicNameRule.Validate(name));

    [Fact]
    public void Validate_ManyGeneratedNames_AnswersAsTheServicesRule()
    {
        // Arrange: a fixed seed, so a failure names a name that fails again.
        var random = new Random(20261207);
        int valid = 0;
        int invalid = 0;

        for (int i = 0; i < 20_000; i++)
        {
            int length = random.Next(0, 6) == 0 ? random.Next(KafkaTopicName.MaxLength - 2, KafkaTopicName.MaxLength + 3) : random.Next(0, 12);
            string name = string.Create(length, random, static (chars, r) =>
            {
                for (int c = 0; c < chars.Length; c++)
                {
                    chars[c] = Alphabet[r.Next(Alphabet.Length)];
                }
            });

            // Act
            string? broker = TopicNameRule.Validate(name);

            // Assert
            Assert.Equal(KafkaTopicName.Validate(name), broker);
            if (broker is null)
            {
                valid++;
            }
            else
            {
                invalid++;
            }
        }

        // Both kinds of answer were compared, not only refusals.
        Assert.InRange(valid, 100, int.MaxValue);
        Assert.InRange(invalid, 100, int.MaxValue);
    }

    [Fact]
    public void MaxLength_IsTheServicesMaxLength() => Assert.Equal(KafkaTopicName.MaxLength, TopicNameRule.MaxLength);
}
