namespace Roomcast.RealtimeGateway.Access;

internal static class AccessServices
{
    public static void AddRoomAccess(this WebApplicationBuilder builder, bool backplane)
    {
        _ = backplane;
        builder.Services.AddSingleton<IRootAccessChanges, NoRootAccessChanges>();
    }

    // Placeholder until root rooms can be joined: nothing to take anyone out of.
    private sealed class NoRootAccessChanges : IRootAccessChanges
    {
        public Task RecordEventAsync(string recordType, IReadOnlyList<string> audience, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task UserLeftGroupAsync(Guid userId, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
