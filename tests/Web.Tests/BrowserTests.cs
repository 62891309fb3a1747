using Microsoft.Playwright;
using Mmcs.Registry;

namespace Mmcs.Web.Tests;

/// <summary>
/// The pages in a real browser: Playwright driving Debian's chromium (headless). Playwright never downloads a browser
/// here; without chromium these tests fail and say how to install it. Screenshots go to
/// <c>artifacts/screenshots/</c> in the test output folder.
/// </summary>
[Collection(TrainedModelCollection.Name)]
public sealed class BrowserTests(TrainedModelFixture fixture) : IAsyncLifetime
{
    private const string Token = "browser-admin-token";
    private static readonly string[] Moods = ["happy", "angry", "sad", "relaxed"];
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private readonly List<string> _consoleErrors = [];

    public static string ScreenshotDirectory => Path.Combine(AppContext.BaseDirectory, "artifacts", "screenshots");

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        string chromium = FindChromium() ?? throw new InvalidOperationException(
            "Chromium is not installed: the browser tests drive Debian's chromium and never download one. " +
            "Install it with: apt-get install chromium (CI's .ci/run does).");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    public async Task DisposeAsync()
    {
        if (_browser != null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }

    internal static string? FindChromium()
    {
        foreach (var candidate in new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" })
            if (File.Exists(candidate)) return candidate;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in new[] { "chromium", "chromium-browser" })
            {
                string path = Path.Combine(dir, name);
                if (File.Exists(path)) return path;
            }
        }
        return null;
    }

    private async Task<IPage> OpenAsync(TestServer server, string path)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = server.BaseAddress.ToString(), ViewportSize = new() { Width = 1200, Height = 900 } });
        var page = await context.NewPageAsync();
        page.Console += (_, m) =>
        {
            if (m.Type == "error") _consoleErrors.Add(m.Text);
        };
        page.PageError += (_, e) => _consoleErrors.Add(e);
        await page.GotoAsync(path);
        return page;
    }

    /// <summary>Console errors other than the failed requests a test provokes on purpose (CSP violations, script errors).</summary>
    private void AssertNoScriptErrors() =>
        Assert.DoesNotContain(_consoleErrors, e => !e.Contains("Failed to load resource", StringComparison.Ordinal));

    [Fact]
    public async Task Uploading_a_clip_shows_its_mood_four_probabilities_per_model_the_spectrogram_and_plays_it()
    {
        await using var server = await TestServer.StartAsync(fixture);
        var page = await OpenAsync(server, "/");
        await page.Locator("#file").SetInputFilesAsync(fixture.LongMp3);
        await Assertions.Expect(page.Locator("#result")).ToBeVisibleAsync(new() { Timeout = 60_000 });

        string mood = (await page.Locator("#mood").TextContentAsync())!.Trim();
        Assert.Contains(mood, Moods);
        var ensemble = page.Locator("[data-chart=ensemble] .row");
        Assert.Equal(4, await ensemble.CountAsync());
        Assert.Equal(Moods, await ensemble.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.label)"));
        foreach (var value in await page.Locator("[data-chart=ensemble] .value").AllTextContentsAsync())
            Assert.Matches(@"^\d{1,3}\.\d %$", value);
        // one chart per model: the ensemble, the 1D member and the 2D member
        Assert.Equal(["ensemble", "tabular", "cnn2d-mel"], await page.Locator(".chart").EvaluateAllAsync<string[]>("c => c.map(x => x.dataset.chart)"));
        Assert.True(await page.Locator("#mel").EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"));
        Assert.True(await page.Locator(".segment").CountAsync() > 1, "a 14 s song has a timeline of several windows");
        Assert.StartsWith("blob:", await page.Locator("#audio").GetAttributeAsync("src"));
        Assert.True(await page.Locator("#audio").EvaluateAsync<bool>(
            "a => new Promise(ok => a.readyState >= 1 ? ok(a.duration > 13) : a.addEventListener('loadedmetadata', () => ok(a.duration > 13)))"));
        Assert.Contains("models:/mood/1", await page.Locator("#answered-by").TextContentAsync());
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, "upload.png"), FullPage = true });
        AssertNoScriptErrors();
    }

    [Fact]
    public async Task A_clip_dropped_on_the_page_is_analysed_and_a_file_that_is_not_audio_gets_a_clear_message()
    {
        await using var server = await TestServer.StartAsync(fixture);
        var page = await OpenAsync(server, "/");
        string wav = Convert.ToBase64String(await File.ReadAllBytesAsync(fixture.ShortWav));
        const string dropScript = """
            ([b64, name]) => {
              const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
              const dt = new DataTransfer();
              dt.items.add(new File([bytes], name, { type: "audio/wav" }));
              document.getElementById("drop").dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
            }
            """;
        await page.EvaluateAsync(dropScript, new object[] { wav, "dropped.wav" });
        await Assertions.Expect(page.Locator("#file-name")).ToHaveTextAsync("dropped.wav", new() { Timeout = 60_000 });
        Assert.Contains((await page.Locator("#mood").TextContentAsync())!.Trim(), Moods);
        Assert.Equal(4, await page.Locator("[data-chart=ensemble] .row").CountAsync());

        string text = Convert.ToBase64String("just some text, no music"u8.ToArray());
        await page.EvaluateAsync(dropScript, new object[] { text, "lyrics.mp3" });
        await Assertions.Expect(page.Locator("#error")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        Assert.Contains("'lyrics.mp3' is not an audio file", await page.Locator("#error").TextContentAsync());
        Assert.True(await page.Locator("#result").IsHiddenAsync());
        AssertNoScriptErrors();
    }

    [Fact]
    public async Task The_models_page_lists_the_champion_with_its_metrics()
    {
        await using var server = await TestServer.StartAsync(fixture, o => o with { AdminToken = Token });
        var page = await OpenAsync(server, "/models");
        var row = page.Locator("[data-model=mood] tr[data-version='1']");
        await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(row.Locator(".badge.champion")).ToHaveTextAsync("champion");
        await Assertions.Expect(row.Locator(".stage")).ToHaveTextAsync("Production");
        Assert.Matches(@"^[01]\.\d{3}$", (await row.Locator("td.num").First.TextContentAsync())!);
        Assert.Contains("models:/mood/1", await page.Locator("#serving").TextContentAsync());
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, "models.png"), FullPage = true });
        AssertNoScriptErrors();
    }

    [Fact]
    public async Task Promoting_from_the_page_without_the_token_is_refused_and_with_it_succeeds()
    {
        string store = fixture.CopyStore();
        await using var server = await TestServer.StartAsync(fixture, o => o with { AdminToken = Token }, store);
        var page = await OpenAsync(server, "/models");
        await Assertions.Expect(page.Locator("#p-version option")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await page.Locator("#p-alias").FillAsync("candidate");
        await page.Locator("#promote button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#promote-result")).ToContainTextAsync("Refused", new() { Timeout = 30_000 });
        Assert.Contains("401", await page.Locator("#promote-result").TextContentAsync());
        using (var s = TrackingStores.Open(store))
            Assert.DoesNotContain(s.GetRegisteredModel("mood").Aliases, a => a.Alias == "candidate");
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, "promote-refused.png"), FullPage = true });

        await page.Locator("#p-token").FillAsync(Token);
        await page.Locator("#promote button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#promote-result")).ToContainTextAsync("Promoted mood version 1", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-model=mood] tr[data-version='1'] .badge", new() { HasText = "candidate" })).ToBeVisibleAsync();
        using (var s = TrackingStores.Open(store))
            Assert.Equal("1", s.GetModelVersionByAlias("mood", "candidate").Version);
    }

    [Fact]
    public async Task On_a_server_without_an_admin_token_the_page_says_promotion_is_disabled_and_the_server_refuses_it()
    {
        string store = fixture.CopyStore();
        await using var server = await TestServer.StartAsync(fixture, o => o with { AdminToken = null }, store);
        var page = await OpenAsync(server, "/models");
        await Assertions.Expect(page.Locator("#promotion-note")).ToContainTextAsync("disabled", new() { Timeout = 30_000 });
        await page.Locator("#p-token").FillAsync("guess");
        await page.Locator("#promote button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#promote-result")).ToContainTextAsync("403", new() { Timeout = 30_000 });
        Assert.Contains("MMCS_ADMIN_TOKEN", await page.Locator("#promote-result").TextContentAsync());
    }
}
