namespace Pipeline.StreamProcessor.Windowing;

/// <summary>
/// The one order of windows everywhere they are listed: by window start, then by id. Emission, the rows of an
/// aggregates file (a replay must produce the same bytes) and <c>inspect</c> all use it.
/// </summary>
internal sealed class WindowOrder : IComparer<WindowAggregate>
{
    public static readonly WindowOrder Instance = new();

    private WindowOrder()
    {
    }

    public int Compare(WindowAggregate x, WindowAggregate y)
    {
        var byStart = x.WindowStart.CompareTo(y.WindowStart);
        return byStart != 0 ? byStart : x.Id.CompareTo(y.Id);
    }
}
