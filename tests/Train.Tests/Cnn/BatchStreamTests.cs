using Mmcs.Featurize;
using Mmcs.Train.Cnn;
using Mmcs.Train.Cnn.Data;
using Mmcs.Train.Models;

namespace Mmcs.Train.Tests.Cnn;

public class BatchStreamTests
{
    /// <summary>Images whose every value is the clip's index; records the furthest clip read.</summary>
    private sealed class CountingSource(int count) : IImageSource
    {
        private int _furthest = -1;
        public ImageKind Kind => ImageKind.Mel;
        public ImageSize Size { get; } = new(2, 2);
        public IReadOnlyList<string> Labels => SyntheticImages.Labels;
        public int Count => count;
        public int FailAt { get; init; } = -1;
        public int Furthest => Volatile.Read(ref _furthest);
        public int Label(int index) => index % 4;
        public string Group(int index) => "g" + index;
        public string ItemId(int index) => "s" + index;

        public void ReadImage(int index, Span<float> destination)
        {
            if (index == FailAt) throw new IOException($"clip {index} is unreadable");
            int seen;
            do seen = Volatile.Read(ref _furthest);
            while (index > seen && Interlocked.CompareExchange(ref _furthest, index, seen) != seen);
            destination.Fill(index);
        }
    }

    private static readonly ImageNormalizer Identity = new(NormalizationMode.None, 2, [], []);

    [Fact]
    public void Batches_come_in_the_given_order_and_a_last_batch_of_one_joins_the_one_before()
    {
        Assert.Equal([(0, 4), (4, 4), (8, 3)], BatchStream.Plan(11, 4));
        Assert.Equal([(0, 4), (4, 5)], BatchStream.Plan(9, 4));
        Assert.Equal([(0, 1)], BatchStream.Plan(1, 4));

        var source = new CountingSource(9);
        var order = new[] { 8, 3, 5, 0, 1, 2, 7, 6, 4 };
        var seen = new List<int>();
        foreach (var batch in BatchStream.Read(source, order, 4, Identity, 2, CancellationToken.None))
        {
            for (int k = 0; k < batch.Count; k++)
            {
                Assert.Equal(batch.Indices[k], (int)batch.Images[k * 4]);
                Assert.Equal(batch.Indices[k] % 4, batch.Labels[k]);
                seen.Add(batch.Indices[k]);
            }
        }
        Assert.Equal(order, seen);
    }

    [Fact]
    public void Reading_stays_a_bounded_number_of_batches_ahead_of_training()
    {
        var source = new CountingSource(400);
        var order = Enumerable.Range(0, 400).ToArray();
        int consumed = 0;
        foreach (var batch in BatchStream.Read(source, order, 10, Identity, prefetch: 2, CancellationToken.None))
        {
            consumed += batch.Count;
            Thread.Sleep(2); // a slow consumer: the reader waits for free buffers
            // the batch in hand, two ready, one being filled
            Assert.True(source.Furthest < consumed + 3 * 10, $"read clip {source.Furthest} with {consumed} consumed");
        }
        Assert.Equal(400, consumed);
    }

    [Fact]
    public void A_failing_read_surfaces_in_the_consumer_and_stopping_early_stops_the_reader()
    {
        var failing = new CountingSource(50) { FailAt = 23 };
        var e = Assert.Throws<IOException>(() =>
        {
            foreach (var _ in BatchStream.Read(failing, Enumerable.Range(0, 50).ToArray(), 5, Identity, 2, CancellationToken.None))
            {
            }
        });
        Assert.Contains("clip 23", e.Message);

        var source = new CountingSource(1000);
        foreach (var _ in BatchStream.Read(source, Enumerable.Range(0, 1000).ToArray(), 5, Identity, 2, CancellationToken.None))
            break;
        int after = source.Furthest;
        Thread.Sleep(50);
        Assert.Equal(after, source.Furthest);
        Assert.True(after < 30);
    }
}
