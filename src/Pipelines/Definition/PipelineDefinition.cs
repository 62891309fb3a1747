namespace Mmcs.Pipelines.Definition;

// The pipeline file format. Keys are the snake_case of the property names; the property initialisers are the
// defaults. `mmcs pipeline schema` prints this tree with the Doc texts.

[Doc("A training pipeline: dataset -> features -> split -> 1D AutoML -> 2D CNNs -> ensemble -> evaluation -> registry -> promotion.")]
public sealed record PipelineDefinition
{
    [RequiredKey, Doc("Name of the pipeline (the parent MLflow run's name).")]
    public string Name { get; init; } = "";

    /// <summary>Whether <paramref name="name"/> can name a pipeline's lock and schedule state files: not blank, at most
    /// 200 characters, no '/' or '\', no control characters, not starting with '.'.</summary>
    public static bool IsFileSafeName(string name) =>
        name.Trim().Length > 0 && name.Length <= 200 && !name.StartsWith('.') && !name.Any(c => c is '/' or '\\' || char.IsControl(c));

    [Doc("Free text.")]
    public string? Description { get; init; }

    [Doc("MLflow experiment the runs go to (created when missing).")]
    public string Experiment { get; init; } = "mmcs";

    [RequiredKey]
    public DatasetSection Dataset { get; init; } = new();

    public ClipSection Clip { get; init; } = new();
    public FeaturesSection Features { get; init; } = new();
    public AugmentationSection Augmentation { get; init; } = new();
    public SplitSection Split { get; init; } = new();
    public TrainSection Train { get; init; } = new();
    public EnsembleSection Ensemble { get; init; } = new();
    public EvaluationSection Evaluation { get; init; } = new();
    public RegistrySection Registry { get; init; } = new();
    public PromotionSection Promotion { get; init; } = new();
}

[Doc("Where the labelled audio is and how it is laid out.")]
public sealed record DatasetSection
{
    [OneOf("auto", "folder", "4q", "turkish", "manifest"),
     Doc("Layout: folder-per-label, the 4Q dataset (Q1..Q4 + annotations CSV), the Turkish emotion dataset, a CSV manifest, or auto-detect.")]
    public string Reader { get; init; } = "auto";

    [Doc("Folder (or manifest CSV) of the dataset, relative to the pipeline file; `--data DIR` overrides it.")]
    public string? Path { get; init; }

    [Doc("Generate the synthetic mood corpus into `path` first when it is missing (demos).")]
    public SyntheticSection? Synthetic { get; init; }
}

[Doc("The synthetic corpus of `mmcs data synth`.")]
public sealed record SyntheticSection
{
    [Range(1, 100000)]
    public int PerClass { get; init; } = 30;

    [Range(0.5, 600)]
    public double Seconds { get; init; } = 8;

    public int Seed { get; init; } = 42;
}

[Doc("Which part of each file is analysed.")]
public sealed record ClipSection
{
    [Range(0.5, 600), Doc("Excerpt length in seconds (the original study: 25.5).")]
    public double ExcerptSeconds { get; init; } = 25.5;

    [Range(0, 3600), Doc("Where the excerpt starts.")]
    public double OffsetSeconds { get; init; }

    [Doc("Zero-pad clips shorter than the excerpt instead of skipping them.")]
    public bool PadShort { get; init; }

    [Range(0.1, 600), Doc("Texture windows: cut each excerpt into windows of this many seconds, train the 1D models on every window and " +
                          "predict a song by averaging its windows (the registered model analyses songs in windows of this length). " +
                          "Omitted: one row per excerpt. Not with the CNNs, which take whole excerpts.")]
    public double? WindowSeconds { get; init; }

    [Range(0.1, 600), Doc("Seconds between texture-window starts (default: half a window).")]
    public double? WindowHopSeconds { get; init; }
}

[Doc("Feature extraction (defaults = librosa's).")]
public sealed record FeaturesSection
{
    [OneOf("seed", "full"), Doc("1D feature set for the tabular models: the original study's 57 (seed) or the full set.")]
    public string Set { get; init; } = "full";

    [Range(8000, 96000)]
    public int SampleRate { get; init; } = 22050;

    [Range(64, 16384)]
    public int NFft { get; init; } = 2048;

    [Range(16, 8192)]
    public int HopLength { get; init; } = 512;

    [Range(8, 512)]
    public int NMels { get; init; } = 128;

    [Range(4, 128)]
    public int NMfcc { get; init; } = 20;

    [Doc("Sizes [rows, cols] the 2D images are resized to (the original study: spectrogram [300, 300], mfcc [120, 600], mel [300, 400]).")]
    public ImagesSection Images { get; init; } = new();

    [Doc("Feature cache folder, relative to the working directory.")]
    public string CacheDir { get; init; } = ".mmcs/cache";
}

public sealed record ImagesSection
{
    [Range(4, 2048)]
    public int[] Spectrogram { get; init; } = [128, 128];

    [Range(4, 2048)]
    public int[] Mfcc { get; init; } = [20, 256];

    [Range(4, 2048)]
    public int[] Mel { get; init; } = [128, 256];
}

[Doc("Augmented copies: trained on for TRAINING songs only (never of validation or test songs), and/or used at test time.")]
public sealed record AugmentationSection
{
    [OneOf("train", "test", "both"),
     Doc("train: the copies of training songs are trained on; test: test-time augmentation, nothing is trained on copies but every " +
         "scored song (evaluation, and the registered model's predictions) is the mean over its windows and their copies; both.")]
    public string Use { get; init; } = "train";

    [Doc("With use: test and custom copies (copies >= 1), these AutoML trainers are refitted on the training songs' copies too " +
         "(the search scores them on the originals; the others never see a copy), e.g. [rbf_svm].")]
    public string[]? RefitTrainers { get; init; }

    [OneOf("custom", "original"), Doc("custom: `copies` copies combining the settings below; original: the study's two copies (noise 0.02; 1 s shift).")]
    public string Plan { get; init; } = "custom";

    [Range(0, 20), Doc("Augmented copies per training clip (0 = none).")]
    public int Copies { get; init; }

    [Range(0, 1), Doc("Additive noise: sigma of N(0,1) noise (the original: 0.02).")]
    public double Noise { get; init; }

    [Range(0, 30), Doc("Largest circular time shift in seconds (the original: 1).")]
    public double ShiftSeconds { get; init; }

    [Range(0, 24), Doc("Largest gain change in dB (+/-).")]
    public double GainDb { get; init; }

    [Range(0, 12), Doc("Largest pitch shift in semitones (+/-).")]
    public double PitchSemitones { get; init; }

    [Range(0, 0.5), Doc("Largest time-stretch change (0.1 = rates 0.9..1.1).")]
    public double Stretch { get; init; }

    public int Seed { get; init; } = 7;
}

[Doc("How data is split for honest evaluation.")]
public sealed record SplitSection
{
    [OneOf("holdout", "cv"),
     Doc("holdout: one grouped, stratified test split; cv: repeated grouped k-fold over the whole training procedure.")]
    public string Protocol { get; init; } = "holdout";

    [Range(0.05, 0.5), Doc("Test fraction of the holdout protocol (whole groups).")]
    public double TestFraction { get; init; } = 0.2;

    [Range(2, 20), Doc("Folds of the cv protocol.")]
    public int Folds { get; init; } = 5;

    [Range(1, 20), Doc("Repetitions of the cv protocol (different seeds).")]
    public int Repeats { get; init; } = 1;

    [OneOf("artist", "song", "none"), Doc("Grouping: artist (when known, else song), song, or none.")]
    public string GroupBy { get; init; } = "artist";

    [Range(0.05, 0.5), Doc("Validation fraction taken from training data for early stopping and ensemble weights.")]
    public double ValidationFraction { get; init; } = 0.2;

    public int Seed { get; init; } = 42;
}

public sealed record TrainSection
{
    public AutomlSection Automl { get; init; } = new();
    public CnnSection Cnn { get; init; } = new();
}

[Doc("Tabular AutoML over ML.NET trainers (and the 1D CNN).")]
public sealed record AutomlSection
{
    public bool Enabled { get; init; } = true;

    [Range(1, 86400), Doc("Time budget of the search in seconds.")]
    public double Time { get; init; } = 60;

    [Range(2, 20), Doc("Folds of the inner cross-validation that scores each trial. A search that can choose nothing (max_trials = the number of trainers, all of them in the vote) only reports: the evaluation's fold trainings skip it and fit the trainers' starting points, the same models (the time budget does not apply to them, and a fit that fails stops the run); the final training runs it for its leaderboard and importances.")]
    public int Cv { get; init; } = 5;

    [OneOf("accuracy", "macro_f1")]
    public string Metric { get; init; } = "macro_f1";

    [Doc("Trainers to search (omitted = all).")]
    public string[]? Trainers { get; init; }

    [Range(1, 100000), Doc("Stop after this many trials even if time remains.")]
    public int? MaxTrials { get; init; }

    [Range(1, 10), Doc("Soft vote: average the best configuration of this many distinct trainers (best by the inner cross-validation); 1 = the best pipeline alone.")]
    public int TopTrainers { get; init; } = 1;

    [Doc("Where the search of a trainer starts instead of its defaults, as trainer:key=value[:key=value...] (e.g. lightgbm:iterations=200:leaves=15); its first trial is that configuration.")]
    public string[]? Start { get; init; }

    [Doc("Two labels (e.g. [sad, relaxed], the low-arousal pair most errors are in): each trainer of the vote is also fitted on the windows of those two classes' songs alone, and the mean of these specialists shares out the vote's probability of the pair between its two classes.")]
    public string[]? PairSpecialists { get; init; }

    [Range(0.01, 0.5), Doc("The least typical windows count twice: in every training, this share of each label's training windows, those an RBF SVM fitted on the other half of the training songs (grouped, stratified) finds least like their label, are trained on twice by the vote's members, with their copies (bench/README, \"The least typical windows\"). Needs texture windows (clip.window_seconds).")]
    public double? LeastTypicalTwice { get; init; }

    [Doc("Columns a trainer's models do not read, as trainer:prefix[,prefix...] (e.g. mlp:mfcc_corr_,spectral_contrast_corr_: the MLP without columns that help the other members but not it); its trials, refits and place in the vote leave them out.")]
    public string[]? DropColumns { get; init; }

    [Range(0, 86400), Doc("Seconds allowed for the final model's permutation importances (per column, else per feature family; skipped with a notice when even that would take longer).")]
    public double ImportanceSeconds { get; init; } = 120;

    public int Seed { get; init; } = 1;
}

[Doc("2D CNNs on spectrogram, MFCC and mel images.")]
public sealed record CnnSection
{
    public bool Enabled { get; init; } = true;

    [OneOf("spectrogram", "mfcc", "mel")]
    public string[] Models { get; init; } = ["spectrogram", "mfcc", "mel"];

    [OneOf("original", "improved"), Doc("original: the study's architecture; improved: global pooling, SpecAugment, mixup (chosen by validation).")]
    public string Preset { get; init; } = "improved";

    [Doc("Candidates the improved preset chooses between on validation (original, gap, gap+specaugment, gap+mixup, gap+regularised, gap+all); omitted = all.")]
    public string[]? Candidates { get; init; }

    [Range(1, 1000)]
    public int Epochs { get; init; } = 30;

    [Range(1, 1024)]
    public int BatchSize { get; init; } = 16;

    [Range(1e-6, 1)]
    public double LearningRate { get; init; } = 1e-4;

    [Range(1, 1000), Doc("Early stopping: epochs without validation improvement.")]
    public int Patience { get; init; } = 5;

    public int Seed { get; init; } = 1;
}

public sealed record EnsembleSection
{
    public bool Enabled { get; init; } = true;

    [OneOf("equal", "validation"), Doc("Average member probabilities equally, or weighted by validation performance.")]
    public string Weighting { get; init; } = "validation";
}

public sealed record EvaluationSection
{
    [Range(0, 100000), Doc("Bootstrap resamples for confidence intervals.")]
    public int Bootstrap { get; init; } = 1000;
}

public sealed record RegistrySection
{
    [Doc("Registered model name.")]
    public string ModelName { get; init; } = "mood";

    [Doc("Register the trained model (a new version).")]
    public bool Register { get; init; } = true;
}

[Doc("Champion / challenger promotion.")]
public sealed record PromotionSection
{
    public bool Enabled { get; init; } = true;

    [OneOf("accuracy", "macro_f1")]
    public string Metric { get; init; } = "macro_f1";

    [Range(0, 1), Doc("The challenger must beat the champion by at least this much.")]
    public double Margin { get; init; }

    public string ChampionAlias { get; init; } = "champion";
    public string ChallengerAlias { get; init; } = "challenger";

    [OneOf("Staging", "Production")]
    public string Stage { get; init; } = "Production";

    [Doc("Move the previous Production version to Archived.")]
    public bool ArchivePrevious { get; init; } = true;
}
