namespace Mmcs.Core;

/// <summary>
/// Checks of a path that a command is about to write, made before any work: a file where a folder is wanted (or the
/// other way round), or a file standing where one of its parent folders should be, is refused with INVALID_PARAMETER_VALUE
/// naming the path and the problem, instead of an IOException after the work is done. Missing parent folders are fine
/// (writers create them).
/// </summary>
public static class OutputPaths
{
    /// <summary>Refuses a file path that is a folder, or whose parent folders cannot be created.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="what">How the user gave it (e.g. "--out"), for the message.</param>
    public static void CheckFile(string path, string what)
    {
        Blank(path, what);
        if (Directory.Exists(path))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"{what} '{path}' is a folder; give a file to write");
        Parents(path, what);
    }

    /// <summary>Refuses a folder path that is a file, or whose parent folders cannot be created.</summary>
    /// <param name="path">The folder to write into.</param>
    /// <param name="what">How the user gave it (e.g. "--out"), for the message.</param>
    public static void CheckFolder(string path, string what)
    {
        Blank(path, what);
        if (File.Exists(path))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"{what} '{path}' is a file; give a folder");
        Parents(path, what);
    }

    private static void Blank(string path, string what)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"{what} is empty");
    }

    // the nearest existing ancestor must be a folder: a file there makes every path below it unwritable
    private static void Parents(string path, string what)
    {
        for (string? parent = Path.GetDirectoryName(Path.GetFullPath(path)); !string.IsNullOrEmpty(parent); parent = Path.GetDirectoryName(parent))
        {
            if (Directory.Exists(parent)) return;
            if (File.Exists(parent))
                throw new MmcsException(ErrorCodes.InvalidParameterValue, $"{what} '{path}': '{parent}' is a file, not a folder");
        }
    }
}
