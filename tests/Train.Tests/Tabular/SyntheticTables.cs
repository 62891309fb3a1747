using Mmcs.Train.Data;

namespace Mmcs.Train.Tests.Tabular;

/// <summary>
/// Synthetic classification tables in the manner of scikit-learn's make_classification: each class is a Gaussian
/// cluster around a vertex of a hypercube in the informative dimensions, plus redundant features (random linear
/// combinations of the informative ones), noise features, and features on wildly different scales. Rows come in
/// "artist" groups whose songs share a class most of the time and an artist offset.
/// </summary>
internal static class SyntheticTables
{
    public static TabularDataset Make(int rows = 240, int classes = 4, int informative = 4, int redundant = 2, int noise = 6,
        double separation = 1.5, int seed = 1, int songsPerArtist = 3, bool xor = false)
    {
        var rng = new Random(seed);
        int d = informative + redundant + noise;
        var vertices = new double[classes][];
        for (int c = 0; c < classes; c++)
        {
            vertices[c] = new double[informative];
            for (int k = 0; k < informative; k++) vertices[c][k] = ((c >> (k % 3)) & 1) == 1 ? separation : -separation;
            // Make every class distinct even when classes > 2^3.
            vertices[c][c % informative] += separation;
        }
        var mixing = new double[redundant, informative];
        for (int r = 0; r < redundant; r++)
            for (int k = 0; k < informative; k++) mixing[r, k] = Gaussian(rng);
        var x = new List<double[]>();
        var labels = new List<string>();
        var groups = new List<string>();
        int artist = 0;
        while (x.Count < rows)
        {
            int cls = artist % classes;
            var artistOffset = Enumerable.Range(0, informative).Select(_ => 0.3 * Gaussian(rng)).ToArray();
            for (int s = 0; s < songsPerArtist && x.Count < rows; s++)
            {
                int c = rng.NextDouble() < 0.85 ? cls : rng.Next(classes);
                var row = new double[d];
                for (int k = 0; k < informative; k++) row[k] = vertices[c][k] + Gaussian(rng) + artistOffset[k];
                if (xor && informative >= 2)
                {
                    // Class depends on the sign pattern: linear models cannot separate it, trees can.
                    double a = Gaussian(rng) * 2, b = Gaussian(rng) * 2;
                    row[0] = a;
                    row[1] = b;
                    c = (a > 0 ? 1 : 0) ^ (b > 0 ? 1 : 0);
                    c = Math.Min(c + (classes > 2 && Math.Abs(a) > 2.5 ? 2 : 0), classes - 1);
                }
                for (int r = 0; r < redundant; r++)
                {
                    double v = 0;
                    for (int k = 0; k < informative; k++) v += mixing[r, k] * row[k];
                    row[informative + r] = v;
                }
                for (int k = 0; k < noise; k++) row[informative + redundant + k] = Gaussian(rng);
                // Different scales, as real features have (tempo ~100, spectral centroid ~2000, zcr ~0.05).
                for (int k = 0; k < d; k++) row[k] *= k % 3 == 0 ? 1000 : k % 3 == 1 ? 0.01 : 1;
                x.Add(row);
                labels.Add($"class{c}");
                groups.Add($"artist{artist}");
            }
            artist++;
        }
        var names = Enumerable.Range(0, d).Select(k => k < informative ? $"inf{k}" : k < informative + redundant ? $"red{k - informative}" : $"noise{k - informative - redundant}").ToArray();
        return TabularDataset.FromVectors(names, x, labels, groups, source: "synthetic");
    }

    public static double Gaussian(Random rng)
    {
        double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
