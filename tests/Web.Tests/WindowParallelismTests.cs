using Mmcs.Registry;
using Mmcs.Registry.Models;
using Mmcs.Train.Predict;

namespace Mmcs.Web.Tests;

[Collection(TrainedModelCollection.Name)]
public sealed class WindowParallelismTests(TrainedModelFixture fixture)
{
    // equal up to float32 rounding: the networks see the windows in batches of other sizes
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(64)]
    public void Windows_split_over_threads_give_the_same_prediction_as_one_pass(int degree)
    {
        using var store = TrackingStores.Open(fixture.Store);
        var resolved = new ModelUriResolver(store).Resolve("models:/mood@champion");
        using var model = MoodModel.Load(resolved.LocalPath, "models:/mood/1");
        var predictor = new MoodPredictor(model);
        foreach (var file in new[] { fixture.LongWav, fixture.LongMp3, fixture.ShortWav })
        {
            var sequential = predictor.Predict(file);
            var parallel = WindowParallelism.Predict(predictor, file, degree);
            Assert.Equal(sequential.Mood, parallel.Mood);
            Assert.Equal(sequential.SongSeconds, parallel.SongSeconds);
            Assert.Equal(sequential.Model, parallel.Model);
            foreach (var label in model.Labels) Assert.Equal(sequential.Probabilities[label], parallel.Probabilities[label], 1e-6);
            Assert.Equal(sequential.Windows.Select(w => (w.Start, w.Mood)), parallel.Windows.Select(w => (w.Start, w.Mood)));
            for (int i = 0; i < sequential.Windows.Count; i++)
                foreach (var label in model.Labels)
                    Assert.Equal(sequential.Windows[i].Probabilities[label], parallel.Windows[i].Probabilities[label], 1e-6);
            Assert.Equal(sequential.Members.Keys.Order(), parallel.Members.Keys.Order());
            foreach (var (member, probabilities) in sequential.Members)
                foreach (var label in model.Labels) Assert.Equal(probabilities[label], parallel.Members[member][label], 1e-6);
        }
    }
}
