using System.Diagnostics;
using Shouldly;

namespace Roomcast.EndToEndTests.Infrastructure;

/// <summary>Bounded polling: asks again until the answer is the awaited one or the deadline passes.</summary>
internal static class Poll
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(150);

    /// <summary>Calls <paramref name="attempt"/> until <paramref name="done"/>; fails with the last answer after <paramref name="within"/>.</summary>
    public static async Task<Answer> UntilAsync(Func<Task<Answer>> attempt, Func<Answer, bool> done, string what, TimeSpan? within = null)
    {
        Answer? last = null;
        await UntilAsync(async () => done(last = await attempt()), what, within, () => $"the last answer was {last!.Describe()}");
        return last!;
    }

    /// <summary>Asks <paramref name="condition"/> until it holds; fails after <paramref name="within"/> saying what was awaited and <paramref name="context"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null, Func<string>? context = null)
    {
        var deadline = within ?? Patience;
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > deadline)
            {
                throw new ShouldAssertException($"{what} did not happen within {deadline.TotalSeconds} s{(context is null ? "" : "; " + context())}");
            }

            await Task.Delay(Pause);
        }
    }
}
