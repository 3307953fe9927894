using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Roomcast.EndToEndTests.Clients;

/// <summary>
/// What a person sees in the demo, in Debian's Chromium: one browser and one set of services for
/// every scenario (<see cref="BrowserScenarios"/>); each test is one scenario of
/// <c>clients/browser-tests/scenarios.mjs</c>, its output in the test log.
/// </summary>
public sealed class BrowserTests(BrowserScenarios scenarios, ITestOutputHelper log) : IClassFixture<BrowserScenarios>
{
    [Fact]
    public void TwoUsersInTwoBrowsersSeeEachOthersEdits() => Passes("two-users-see-each-others-edits");

    [Fact]
    public void AReaderWhoWasOfflineSeesEveryMissedEditInOrderWithoutAReload() => Passes("offline-reader-sees-every-missed-edit-after-coming-back");

    [Fact]
    public void AUserWithoutAccessNeverSeesTheEdits() => Passes("user-without-access-never-sees-the-edits");

    [Fact]
    public void TheAdminPanelCountsANewTab() => Passes("admin-panel-counts-a-new-tab");

    private void Passes(string scenario)
    {
        var (passed, report) = scenarios.ResultOf(scenario);
        log.WriteLine($"browser scenarios ran in {scenarios.Elapsed.TotalSeconds:F1} s (screenshots of failures: {BrowserScenarios.OutputDirectory})");
        log.WriteLine(report);
        passed.ShouldBeTrue(report);
    }
}
