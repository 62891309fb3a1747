namespace Mmcs.Featurize.Features;

/// <summary>
/// Tonal centroid features, equal to librosa.feature.tonnetz: each chroma frame is L1-normalised and projected
/// onto the circles of fifths, minor thirds and major thirds (radii 1, 1, 0.5). Output [6 × frames]:
/// fifth x/y, minor x/y, major x/y. By default the chroma is <see cref="ChromaCqt"/>'s, as in librosa.
/// </summary>
public static class Tonnetz
{
    private static readonly double[] Phi = BuildPhi();

    /// <summary>Tonnetz from a 12-bin chromagram.</summary>
    public static FeatureMatrix FromChroma(FeatureMatrix chroma)
    {
        ArgumentNullException.ThrowIfNull(chroma);
        FeatureGuards.RequireRows(chroma, 12, "tonnetz", "a chromagram");
        int frames = chroma.Cols;
        var result = new FeatureMatrix(6, frames);
        var col = new float[12];
        for (int t = 0; t < frames; t++)
        {
            float len = 0;
            for (int c = 0; c < 12; c++)
            {
                col[c] = chroma.Data[c * frames + t];
                len += Math.Abs(col[c]);
            }
            if (len < 1.17549435e-38f) len = 1f;
            for (int p = 0; p < 6; p++)
            {
                double s = 0;
                for (int c = 0; c < 12; c++) s += Phi[p * 12 + c] * (col[c] / len);
                result.Data[p * frames + t] = (float)s;
            }
        }
        return result;
    }

    private static double[] BuildPhi()
    {
        double[] scale = [7.0 / 6, 7.0 / 6, 3.0 / 2, 3.0 / 2, 2.0 / 3, 2.0 / 3];
        double[] r = [1, 1, 1, 1, 0.5, 0.5];
        var phi = new double[6 * 12];
        for (int p = 0; p < 6; p++)
        {
            for (int c = 0; c < 12; c++)
            {
                double v = scale[p] * c;
                if (p % 2 == 0) v -= 0.5;
                phi[p * 12 + c] = r[p] * Math.Cos(Math.PI * v);
            }
        }
        return phi;
    }
}
