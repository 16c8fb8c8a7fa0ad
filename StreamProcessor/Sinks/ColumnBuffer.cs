using Parquet;
using Parquet.Schema;

namespace Pipeline.StreamProcessor.Sinks;

/// <summary>
/// One column's rows between the row groups they are read from and the row groups they are written to, so files can be
/// merged with output row groups of a chosen size whatever the inputs' sizes: memory holds at most one output row group
/// plus one input row group per column, never a file.
/// </summary>
internal abstract class ColumnBuffer(DataField field)
{
    /// <summary>The column as it is written (the output schema's field).</summary>
    public DataField Field { get; } = field;

    /// <summary>Rows held, not written yet.</summary>
    public abstract int Count { get; }

    /// <summary>A buffer for <paramref name="field"/>'s type (the types the output schemas use).</summary>
    public static ColumnBuffer For(DataField field)
    {
        ArgumentNullException.ThrowIfNull(field);
        Type type = field.ClrType;
        return type == typeof(DateTime) ? new ValueColumn<DateTime>(field)
            : type == typeof(double) ? new ValueColumn<double>(field)
            : type == typeof(long) ? new ValueColumn<long>(field)
            : type == typeof(int) ? new ValueColumn<int>(field)
            : type == typeof(string) || type == typeof(ReadOnlyMemory<char>) ? new StringColumn(field) // Parquet.Net 6 reports strings as the latter
            : throw new NotSupportedException($"Column '{field.Name}' has a type ({type}) no output file uses.");
    }

    /// <summary>Appends the <paramref name="rows"/> values of <paramref name="source"/> (the input file's field of the same name).</summary>
    public abstract Task AppendAsync(ParquetRowGroupReader rowGroup, DataField source, int rows, CancellationToken cancellationToken);

    /// <summary>Writes the first <paramref name="rows"/> values held into <paramref name="rowGroup"/> and keeps the rest.</summary>
    public abstract Task WriteAsync(ParquetRowGroupWriter rowGroup, int rows, CancellationToken cancellationToken);

    /// <summary>Room for <paramref name="needed"/> values, growing the array by doubling.</summary>
    protected static void EnsureCapacity<T>(ref T[] values, int needed)
    {
        if (values.Length < needed)
        {
            Array.Resize(ref values, Math.Max(needed, values.Length * 2));
        }
    }

    private sealed class ValueColumn<T>(DataField field) : ColumnBuffer(field)
        where T : struct
    {
        private T[] _values = [];
        private int _count;

        public override int Count => _count;

        public override async Task AppendAsync(ParquetRowGroupReader rowGroup, DataField source, int rows, CancellationToken cancellationToken)
        {
            EnsureCapacity(ref _values, _count + rows);
            await rowGroup.ReadAsync<T>(source, _values.AsMemory(_count, rows), cancellationToken: cancellationToken);
            _count += rows;
        }

        public override async Task WriteAsync(ParquetRowGroupWriter rowGroup, int rows, CancellationToken cancellationToken)
        {
            await rowGroup.WriteAsync<T>(Field, _values.AsMemory(0, rows), cancellationToken: cancellationToken);
            Array.Copy(_values, rows, _values, 0, _count - rows);
            _count -= rows;
        }
    }

    private sealed class StringColumn(DataField field) : ColumnBuffer(field)
    {
        private string?[] _values = [];
        private int _count;

        public override int Count => _count;

        public override async Task AppendAsync(ParquetRowGroupReader rowGroup, DataField source, int rows, CancellationToken cancellationToken)
        {
            EnsureCapacity(ref _values, _count + rows);
            await rowGroup.ReadAsync(source, _values.AsMemory(_count, rows)!, cancellationToken: cancellationToken);
            _count += rows;
        }

        public override async Task WriteAsync(ParquetRowGroupWriter rowGroup, int rows, CancellationToken cancellationToken)
        {
            // Parquet.Net's string overload (it writes the nulls as nulls).
            await rowGroup.WriteAsync(Field, (IReadOnlyCollection<string>)new ArraySegment<string?>(_values, 0, rows)!);
            Array.Copy(_values, rows, _values, 0, _count - rows);
            Array.Clear(_values, _count - rows, rows);
            _count -= rows;
        }
    }
}
