using System.Net;

namespace Roomcast.EndToEndTests.Infrastructure;

/// <summary>
/// documents-api learns of identity's accounts and groups from their events, so for a moment after
/// one is created it refuses (422) a grant to it as unknown.
/// </summary>
internal static class ProjectionLag
{
    /// <summary>Sends <paramref name="grant"/> until documents-api knows the <paramref name="subject"/> (answers other than 422); returns that answer.</summary>
    public static Task<Answer> GrantOnceKnownAsync(Func<Task<Answer>> grant, string subject) =>
        Poll.UntilAsync(grant, answer => answer.Status != HttpStatusCode.UnprocessableEntity, $"documents-api learning of {subject}");
}
