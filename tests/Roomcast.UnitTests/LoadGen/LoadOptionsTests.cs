using Roomcast.Bench;
using Roomcast.LoadGen;
using Shouldly;
using Xunit;

namespace Roomcast.UnitTests.LoadGen;

/// <summary>The processes a run watches: CPU per update is only as true as the list of what it adds up.</summary>
public sealed class LoadOptionsTests
{
    private static readonly string[] Required = ["--scenario", "smoke", "--identity", "http://127.0.0.1:1", "--documents", "http://127.0.0.1:2", "--gateways", "http://127.0.0.1:3"];

    [Fact]
    public void AServerWithAPlusIsWatchedWithItsChildren()
    {
        var options = LoadOptions.Parse([.. Required, "--pids", "documents-api=41,postgres=42+,redis=43"]);

        options.ServicePids.ShouldBe([new WatchedProcess("documents-api", 41, Tree: false), new WatchedProcess("postgres", 42, Tree: true), new WatchedProcess("redis", 43, Tree: false)]);
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("postgres=")]
    [InlineData("postgres=-1")]
    [InlineData("postgres=x+")]
    public void AProcessWithoutAPidIsRefused(string pids) =>
        Should.Throw<ArgumentException>(() => LoadOptions.Parse([.. Required, "--pids", pids])).Message.ShouldContain("--pids");
}
