using Mmcs.Train.Svm;
using Mmcs.Train.Tabular.Search;

namespace Mmcs.Train.Tabular.Trainers;

/// <summary>The RBF-kernel SVM with Platt probabilities (<see cref="MulticlassSvm"/>), as Panda et al. used on 4Q.</summary>
public sealed class RbfSvmCandidate : TrainerCandidate
{
    private const string StateFile = "svm.json";

    public override string Name => "rbf_svm";

    protected override double BaseSeconds(Configuration c) => 0.045;

    protected override double Scale(int rows, int features, int classes) =>
        Math.Pow(rows / 360.0, 2) * Math.Max(1, features) / 57.0 * classes * (classes - 1) / 12.0;

    protected override IReadOnlyList<Parameter> TrainerParameters { get; } =
    [
        new FloatParameter("c", 0.01, 1000, 1, Log: true),
        new FloatParameter("gamma_scale", 0.01, 100, 1, Log: true),
    ];

    public override IFittedModel Fit(TrainingSet data, Configuration configuration, CancellationToken cancellationToken)
    {
        CheckTrainingSet(data);
        var x = data.X.Select(r => r.Select(v => (double)v).ToArray()).ToArray();
        var options = new SvmOptions
        {
            C = configuration.GetDouble("c"),
            Gamma = MulticlassSvm.ScaleGamma(x) * configuration.GetDouble("gamma_scale"),
            Seed = data.Seed,
        };
        return new Model(MulticlassSvm.Fit(x, data.Y, data.Classes, options, cancellationToken));
    }

    public override IFittedModel Load(string directory) =>
        new Model(MulticlassSvm.FromState(ClassifierStoreJson.Read<MulticlassSvm.State>(Path.Combine(directory, StateFile))));

    private sealed class Model(MulticlassSvm svm) : IFittedModel
    {
        public string Trainer => "rbf_svm";

        public double[][] PredictProbabilities(float[][] x) =>
            x.Select(r => svm.PredictProbabilities(r.Select(v => (double)v).ToArray())).ToArray();

        public void Save(string directory) => ClassifierStoreJson.Write(Path.Combine(directory, StateFile), svm.Model);

        public void Dispose()
        {
        }
    }
}
