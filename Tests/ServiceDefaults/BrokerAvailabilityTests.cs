using Confluent.Kafka;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.Tests.ServiceDefaults;

public sealed class BrokerAvailabilityTests
{
    private readonly BrokerAvailability _sut = new();

    [Fact]
    public void Report_OutageThenSuccesses_ReportsEachTransitionOnce()
    {
        // Arrange
        var allDown = new Error(ErrorCode.Local_AllBrokersDown);
        var transport = new Error(ErrorCode.Local_Transport);

        // Act
        var upBeforeOutage = _sut.ReportSuccess();
        var transportStartsOutage = _sut.ReportError(transport);
        var firstDown = _sut.ReportError(allDown);
        var repeatedDown = _sut.ReportError(allDown);
        var firstUp = _sut.ReportSuccess();
        var secondUp = _sut.ReportSuccess();
        var nextOutage = _sut.ReportError(allDown);

        // Assert
        Assert.False(upBeforeOutage);
        Assert.False(transportStartsOutage); // one broker's transport error is not an outage
        Assert.True(firstDown);
        Assert.False(repeatedDown);
        Assert.True(firstUp);
        Assert.False(secondUp);
        Assert.True(nextOutage);
    }
}
