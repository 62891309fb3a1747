namespace Mmcs.Featurize;

/// <summary>
/// A dense row-major float matrix, laid out like librosa's outputs: [features × frames]
/// (e.g. 128 mel bands × 1099 frames). Row r occupies Data[r*Cols .. (r+1)*Cols).
/// </summary>
public sealed class FeatureMatrix
{
    public FeatureMatrix(int rows, int cols)
        : this(rows, cols, new float[checked(rows * cols)])
    {
    }

    public FeatureMatrix(int rows, int cols, float[] data)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != rows * cols)
            throw new ArgumentException($"data has {data.Length} values, expected {rows}x{cols}", nameof(data));
        Rows = rows;
        Cols = cols;
        Data = data;
    }

    public int Rows { get; }
    public int Cols { get; }
    public float[] Data { get; }

    public float this[int row, int col]
    {
        get => Data[row * Cols + col];
        set => Data[row * Cols + col] = value;
    }

    public Span<float> Row(int row) => Data.AsSpan(row * Cols, Cols);
}
