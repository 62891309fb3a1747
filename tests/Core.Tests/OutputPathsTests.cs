namespace Mmcs.Core.Tests;

public sealed class OutputPathsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mmcs-outputpaths-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PlainFile()
    {
        string file = Path.Combine(_dir, "plain.txt");
        File.WriteAllText(file, "x");
        return file;
    }

    [Fact]
    public void A_new_file_or_folder_below_missing_folders_is_accepted()
    {
        OutputPaths.CheckFile(Path.Combine(_dir, "a", "b", "t.csv"), "--out");
        OutputPaths.CheckFolder(Path.Combine(_dir, "a", "b", "c"), "--out");
        OutputPaths.CheckFile(PlainFile(), "--out"); // an existing file is replaced
        OutputPaths.CheckFolder(_dir, "--out");
    }

    [Fact]
    public void A_path_below_a_file_is_refused_naming_the_file()
    {
        string file = PlainFile();
        foreach (var check in new Action<string, string>[] { OutputPaths.CheckFile, OutputPaths.CheckFolder })
        {
            var e = Assert.Throws<MmcsException>(() => check(Path.Combine(file, "deeper", "x"), "--out"));
            Assert.Equal(ErrorCodes.InvalidParameterValue, e.ErrorCode);
            Assert.Contains($"'{file}' is a file, not a folder", e.Message);
            Assert.StartsWith("--out '", e.Message);
        }
    }

    [Fact]
    public void A_folder_given_as_a_file_and_a_file_given_as_a_folder_are_refused()
    {
        Assert.Contains("is a folder; give a file", Assert.Throws<MmcsException>(() => OutputPaths.CheckFile(_dir, "--out")).Message);
        Assert.Contains("is a file; give a folder", Assert.Throws<MmcsException>(() => OutputPaths.CheckFolder(PlainFile(), "--arrays")).Message);
        Assert.Contains("--out is empty", Assert.Throws<MmcsException>(() => OutputPaths.CheckFile(" ", "--out")).Message);
    }
}
