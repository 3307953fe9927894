using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Infrastructure;

/// <summary>Which backing the test stack comes from: chosen explicitly, never guessed, never skipped.</summary>
public sealed class TestStackSettingsTests
{
    private static readonly Dictionary<string, string> LocalProcesses = new()
    {
        ["ROOMCAST_PG_HOST"] = "127.0.0.1",
        ["ROOMCAST_PG_PORT"] = "5432",
        ["ROOMCAST_PG_USER"] = "roomcast",
        ["ROOMCAST_PG_PASSWORD"] = "roomcast",
        ["ROOMCAST_RABBITMQ_HOST"] = "127.0.0.1",
        ["ROOMCAST_RABBITMQ_PORT"] = "5672",
        ["ROOMCAST_RABBITMQ_MANAGEMENT_PORT"] = "15672",
        ["ROOMCAST_RABBITMQ_USER"] = "roomcast",
        ["ROOMCAST_RABBITMQ_PASSWORD"] = "roomcast",
        ["ROOMCAST_REDIS"] = "127.0.0.1:6379",
    };

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("processes")]
    public void LocalProcessesAreTheDefault(string? backing) =>
        TestStackSettings.IsContainersChosen(Variables(backing)).ShouldBeFalse();

    [Fact]
    public void ContainersAreChosenByName() =>
        TestStackSettings.IsContainersChosen(Variables(TestStackSettings.ContainersBacking)).ShouldBeTrue();

    [Fact]
    public void AnUnknownBackingIsRefusedRatherThanDefaulted() =>
        Should.Throw<InvalidOperationException>(() => TestStackSettings.IsContainersChosen(Variables("docker")))
            .Message.ShouldContain("ROOMCAST_TEST_BACKING=docker is not a test backing");

    [Fact]
    public void TheLocalSettingsAreReadWhole()
    {
        var settings = TestStackSettings.FromVariables(name => LocalProcesses.GetValueOrDefault(name));

        settings.ShouldBe(new TestStackSettings(
            "127.0.0.1", 5432, "roomcast", "roomcast", "127.0.0.1", 5672, 15672, "roomcast", "roomcast", "127.0.0.1:6379"));
    }

    [Fact]
    public void MissingSettingsNameBothWaysToProvideTheServers()
    {
        var error = Should.Throw<InvalidOperationException>(() => TestStackSettings.FromVariables(_ => null));

        error.Message.ShouldContain("ROOMCAST_PG_HOST is not set");
        error.Message.ShouldContain("scripts/test.sh");
        error.Message.ShouldContain("ROOMCAST_TEST_BACKING=containers");
    }

    private static Func<string, string?> Variables(string? backing) =>
        name => name == TestStackSettings.BackingVariable ? backing : null;
}
