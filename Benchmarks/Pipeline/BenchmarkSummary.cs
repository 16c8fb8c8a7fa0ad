using System.Globalization;

namespace Pipeline.Benchmarks.Pipeline;

/// <summary>
/// The summary block after the rounds: for every figure its median over the rounds and its range, and for a figure
/// with a target whether the median meets it (and in how many rounds it was met). A ratio is a figure whose per-round
/// values are the ratios of the round's own measurements.
/// </summary>
internal sealed class BenchmarkSummary
{
    private readonly List<Figure> _figures = [];

    /// <summary>A figure, printed in the order added; <paramref name="unit"/> follows the number (" events/s", " MB", or "" for a ratio).</summary>
    public Figure Add(string name, string unit, string format, Target? target = null)
    {
        var figure = new Figure(name, unit, format, target);
        _figures.Add(figure);
        return figure;
    }

    /// <summary>One line per figure that was measured at least once.</summary>
    public IEnumerable<string> Lines() => _figures.Where(static f => f.Values.Count > 0).Select(static f => f.Line());

    internal sealed class Figure(string name, string unit, string format, Target? target)
    {
        public List<double> Values { get; } = [];

        public void Record(double value) => Values.Add(value);

        public string Line()
        {
            var median = Median.Of(Values);
            var line = $"{name} median {Format(median.Value)}{unit} ({Format(median.Min)}–{Format(median.Max)}{unit}; {Values.Count} runs)";
            if (target is null)
            {
                return line;
            }

            var met = target.IsMetBy(median.Value) ? "met" : "not met";
            return $"{line}, target {target.Text}: {met} (met in {Values.Count(target.IsMetBy)} of {Values.Count} runs)";
        }

        private string Format(double value) => value.ToString(format, CultureInfo.InvariantCulture);
    }
}

/// <summary>A target as printed (e.g. "≥ 1.5", "≤ 256 MB") and the test of a value against it.</summary>
internal sealed record Target(string Text, Func<double, bool> IsMetBy)
{
    public static Target AtLeast(double threshold, string unit = "") =>
        new(string.Create(CultureInfo.InvariantCulture, $"≥ {threshold:#,0.##}{unit}"), value => value >= threshold);

    public static Target AtMost(double threshold, string unit = "") =>
        new(string.Create(CultureInfo.InvariantCulture, $"≤ {threshold:#,0.##}{unit}"), value => value <= threshold);
}
