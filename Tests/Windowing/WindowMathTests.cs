using Pipeline.StreamProcessor.Windowing;

namespace Pipeline.Tests.Windowing;

public sealed class WindowMathTests
{
    [Theory]
    [InlineData("2026-11-24T12:00:07Z", 10, "2026-11-24T12:00:00Z")]
    [InlineData("2026-11-24T12:00:10Z", 10, "2026-11-24T12:00:10Z")] // a boundary opens the next window
    [InlineData("2026-11-24T12:00:09.9999999Z", 10, "2026-11-24T12:00:00Z")]
    [InlineData("2026-11-24T12:07:00Z", 3600, "2026-11-24T12:00:00Z")]
    [InlineData("1969-12-31T23:59:55Z", 10, "1969-12-31T23:59:50Z")] // before the epoch: floor, not truncation
    public void WindowStart_AlignsToTheEpoch(string timestamp, int seconds, string expected)
    {
        var t = DateTime.Parse(timestamp, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);

        var start = WindowMath.WindowStart(t, TimeSpan.FromSeconds(seconds));

        Assert.Equal(DateTime.Parse(expected, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal), start);
        Assert.Equal(DateTimeKind.Utc, start.Kind);
    }

    [Fact]
    public void WindowEndTicks_NearTheEndOfTime_DoesNotOverflow()
    {
        var size = TimeSpan.FromDays(1).Ticks;
        var start = WindowMath.WindowStartTicks(DateTime.MaxValue.Ticks, size);

        Assert.Equal(DateTime.MaxValue.Ticks, WindowMath.WindowEndTicks(start, size));
    }

    [Fact]
    public void WindowStartTicks_ZeroSize_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => WindowMath.WindowStartTicks(0, 0));
}
