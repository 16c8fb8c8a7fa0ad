namespace Pipeline.Benchmarks.Pipeline;

/// <summary>The median of a few runs' figures (the mean of the middle two for an even count) and their range.</summary>
internal readonly record struct Median(double Value, double Min, double Max, int Count)
{
    public static Median Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("No values.", nameof(values));
        }

        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new Median(median, sorted[0], sorted[^1], sorted.Length);
    }
}
