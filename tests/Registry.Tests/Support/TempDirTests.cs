namespace Mmcs.Registry.Tests.Support;

// The shared test helper (tests/Support) that the Registry tests were the first to use.
public sealed class TempDirTests
{
    [Fact]
    public void A_temp_dir_is_a_new_empty_folder_named_by_its_prefix_and_is_gone_with_its_contents_after_dispose()
    {
        string path, written;
        using (var tmp = new TempDir("mmcs-tempdir-test"))
        {
            path = tmp.Path;
            Assert.True(Directory.Exists(path));
            Assert.Empty(Directory.EnumerateFileSystemEntries(path));
            Assert.StartsWith("mmcs-tempdir-test-", Path.GetFileName(path), StringComparison.Ordinal);
            Assert.Equal(Path.Combine(path, "a", "b.txt"), tmp.File(Path.Combine("a", "b.txt")));
            Assert.False(File.Exists(tmp.File("b.txt"))); // File names a path, it creates nothing
            Assert.False(Directory.Exists(tmp.File("a"))); // nor the folders on it: Write makes those
            written = tmp.Write(Path.Combine("a", "b.txt"), [1, 2, 3]);
            Assert.Equal([1, 2, 3], File.ReadAllBytes(written));
        }
        Assert.False(File.Exists(written));
        Assert.False(Directory.Exists(path));
    }

    [Fact]
    public void Two_temp_dirs_never_share_a_folder_and_disposing_one_twice_or_after_its_folder_went_is_harmless()
    {
        using var a = new TempDir();
        var b = new TempDir();
        Assert.NotEqual(a.Path, b.Path);
        Directory.Delete(b.Path);
        b.Dispose();
        b.Dispose();
        Assert.True(Directory.Exists(a.Path));
    }
}
