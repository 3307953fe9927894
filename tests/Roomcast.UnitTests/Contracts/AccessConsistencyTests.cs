using Roomcast.Contracts.Access;
using Shouldly;
using Xunit;

namespace Roomcast.UnitTests.Contracts;

public sealed class AccessConsistencyTests
{
    [Fact]
    public void AnElementRoundTripsThroughItsTextIncludingAGroupDeletion()
    {
        var group = Guid.NewGuid();
        foreach (var version in new[] { 1L, 42L, AccessConsistency.GroupDeletedVersion })
        {
            AccessConsistency.TryParseAfterMembership(AccessConsistency.AfterMembership(group, version), out var parsedGroup, out var parsedVersion).ShouldBeTrue();
            (parsedGroup, parsedVersion).ShouldBe((group, version));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("8d0b7c8e-4f6a-4c3e-9a55-0d7a3c1e2b4f")]
    [InlineData("8d0b7c8e-4f6a-4c3e-9a55-0d7a3c1e2b4f:0")]
    [InlineData("8d0b7c8e-4f6a-4c3e-9a55-0d7a3c1e2b4f:-3")]
    [InlineData("8d0b7c8e-4f6a-4c3e-9a55-0d7a3c1e2b4f:1e3")]
    [InlineData("not-a-group:3")]
    [InlineData(":3")]
    public void AnElementOutsideTheGrammarIsRefused(string element)
    {
        AccessConsistency.TryParseAfterMembership(element, out _, out _).ShouldBeFalse();
    }
}
