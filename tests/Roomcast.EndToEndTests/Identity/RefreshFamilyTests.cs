using System.Diagnostics;
using System.Net;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Identity;

/// <summary>A login's refresh tokens reach an absolute end: <c>Identity__RefreshFamilyLifetime</c> after the login, whatever the rotations.</summary>
public sealed class RefreshFamilyTests(ShortRefreshFamilyStack stack) : IClassFixture<ShortRefreshFamilyStack>
{
    [Fact]
    public async Task RotatingRefreshTokensKeepsALoginOnlyUntilItsFamilyLifetimeHasPassed()
    {
        using var anonymous = ServiceClient.Identity(stack, "anonymous");
        var sinceLogin = Stopwatch.StartNew();
        var current = await IdentityApi.StartSessionAsync(stack, "carol");
        var rotations = 0;
        Answer? refused = null;

        await Poll.UntilAsync(async () =>
        {
            var answer = await anonymous.RefreshAsync(current.RefreshToken);
            if (answer.Status != HttpStatusCode.OK)
            {
                refused = answer;
                return true;
            }

            current = Session.From(answer.Json);
            rotations++;
            return false;
        }, "a refresh refused at the login's end", within: ShortRefreshFamilyStack.RefreshFamilyLifetime + Poll.Patience);

        refused!.ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        sinceLogin.Elapsed.ShouldBeGreaterThanOrEqualTo(ShortRefreshFamilyStack.RefreshFamilyLifetime, refused.Describe());
        rotations.ShouldBeGreaterThan(0, "the login was refreshed while it lasted");
        var again = await IdentityApi.StartSessionAsync(stack, "carol");
        (await anonymous.RefreshAsync(again.RefreshToken)).ShouldBe(HttpStatusCode.OK, "a new login starts a new family");
    }
}
