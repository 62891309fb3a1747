using Mmcs.Core;

namespace Mmcs.Notebooks.Eda;

public static partial class EdaInputs
{
    private static Task<(EdaAnalysis Analysis, IReadOnlyList<string> Notices)> FromDatasetReportAsync(string folder,
        string outputPath, string? title, IProgress<ProgressUpdate>? progress, CancellationToken cancellationToken) =>
        throw new MmcsException(ErrorCodes.InvalidState,
            $"'{folder}' is a folder: featurising a dataset for the EDA waits on the batch featuriser of Mmcs.Featurize; " +
            "give a feature table (CSV/Parquet with a label column) meanwhile");
}
