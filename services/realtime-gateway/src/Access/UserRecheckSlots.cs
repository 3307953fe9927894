namespace Roomcast.RealtimeGateway.Access;

/// <summary>
/// At most <see cref="RoomAccessOptions.RechecksPerUser"/> rechecks of one user ask documents-api at once
/// on this instance: after a departure every root room of every connection of the user is asked about,
/// and documents-api limits the questions it takes per user. A user's gate exists only while one of their
/// rechecks holds or waits for it.
/// </summary>
internal sealed class UserRecheckSlots(Func<int> perUser)
{
    private readonly Dictionary<Guid, Gate> _gates = [];

    /// <summary>Waits for one of the user's slots; dispose the result to give it back.</summary>
    public async Task<IDisposable> EnterAsync(Guid userId)
    {
        Gate gate;
        lock (_gates)
        {
            if (!_gates.TryGetValue(userId, out gate!))
            {
                _gates[userId] = gate = new Gate(perUser());
            }
            gate.Holders++;
        }
        await gate.Slots.WaitAsync();
        return new Slot(this, userId, gate);
    }

    private void Leave(Guid userId, Gate gate)
    {
        gate.Slots.Release();
        lock (_gates)
        {
            if (--gate.Holders == 0)
            {
                _gates.Remove(userId);
            }
        }
    }

    private sealed class Gate(int slots)
    {
        public SemaphoreSlim Slots { get; } = new(slots, slots);

        /// <summary>Rechecks holding or waiting for a slot; guarded by the dictionary's lock.</summary>
        public int Holders { get; set; }
    }

    private sealed class Slot(UserRecheckSlots owner, Guid userId, Gate gate) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
            {
                owner.Leave(userId, gate);
            }
        }
    }
}
