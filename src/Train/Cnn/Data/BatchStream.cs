using System.Collections.Concurrent;

namespace Mmcs.Train.Cnn.Data;

/// <summary>One batch of normalised images, [count × rows × cols] in <see cref="Images"/>, and their labels.
/// Valid until the next batch is asked for (its buffer is then reused).</summary>
internal sealed class ImageBatch
{
    public ImageBatch(int capacity, int pixels)
    {
        Images = new float[capacity * pixels];
        Labels = new long[capacity];
        Indices = new int[capacity];
    }

    public float[] Images { get; }
    public long[] Labels { get; }

    /// <summary>The clips' indices in the source.</summary>
    public int[] Indices { get; }

    public int Count { get; set; }

    /// <summary>The images as a new [count, 1, rows, cols] tensor (a copy: the buffer is reused).</summary>
    public TorchSharp.torch.Tensor ImagesTensor(long rows, long cols)
    {
        var x = TorchSharp.torch.empty([Count, 1, rows, cols], TorchSharp.torch.ScalarType.Float32);
        x.data<float>().CopyFrom(new ReadOnlySpan<float>(Images, 0, checked((int)(Count * rows * cols))));
        return x;
    }

    /// <summary>The labels as a new [count] int64 tensor.</summary>
    public TorchSharp.torch.Tensor LabelsTensor() => TorchSharp.torch.tensor(Labels.AsSpan(0, Count).ToArray());
}

/// <summary>
/// Reads batches of a source in a given order on a background task, a bounded number ahead of the consumer:
/// one clip's image is read at a time into a pooled buffer, so memory holds a few batches whatever the size of
/// the dataset, and reading overlaps training.
/// </summary>
internal static class BatchStream
{
    /// <summary>The batches' (start, count) in <paramref name="total"/> rows; a last batch of 1 joins the one before
    /// (batch normalisation cannot train on a single clip).</summary>
    public static List<(int Start, int Count)> Plan(int total, int batchSize)
    {
        var plan = new List<(int, int)>();
        for (int start = 0; start < total; start += batchSize) plan.Add((start, Math.Min(batchSize, total - start)));
        if (plan.Count > 1 && plan[^1].Item2 == 1)
        {
            var (s, c) = plan[^2];
            plan[^2] = (s, c + 1);
            plan.RemoveAt(plan.Count - 1);
        }
        return plan;
    }

    public static IEnumerable<ImageBatch> Read(IImageSource source, IReadOnlyList<int> order, int batchSize,
        ImageNormalizer normalizer, int prefetch, CancellationToken cancellationToken)
    {
        var plan = Plan(order.Count, batchSize);
        if (plan.Count == 0) yield break;
        int pixels = source.Pixels();
        int capacity = plan.Max(p => p.Count);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var free = new BlockingCollection<ImageBatch>();
        using var ready = new BlockingCollection<ImageBatch>(prefetch);
        for (int i = 0; i < prefetch + 2; i++) free.Add(new ImageBatch(capacity, pixels));
        Exception? failure = null;
        var producer = Task.Run(() =>
        {
            try
            {
                foreach (var (start, count) in plan)
                {
                    var batch = free.Take(stop.Token);
                    for (int k = 0; k < count; k++)
                    {
                        int index = order[start + k];
                        var image = batch.Images.AsSpan(k * pixels, pixels);
                        source.ReadImage(index, image);
                        normalizer.Apply(image);
                        batch.Labels[k] = source.Label(index);
                        batch.Indices[k] = index;
                    }
                    batch.Count = count;
                    ready.Add(batch, stop.Token);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                ready.CompleteAdding();
            }
        }, CancellationToken.None);

        try
        {
            ImageBatch? previous = null;
            foreach (var batch in ready.GetConsumingEnumerable(cancellationToken))
            {
                if (previous != null) free.Add(previous, CancellationToken.None);
                previous = batch;
                yield return batch;
            }
            if (failure != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
            cancellationToken.ThrowIfCancellationRequested();
        }
        finally
        {
            stop.Cancel();
            try
            {
                producer.Wait(CancellationToken.None);
            }
            catch (AggregateException)
            {
                // the producer records its own failures; nothing else escapes it
            }
        }
    }
}
