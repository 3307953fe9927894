namespace Roomcast.ServiceDefaults.Http;

/// <summary>What a command did, in the terms an HTTP answer needs.</summary>
public abstract record Outcome<T>
{
    public sealed record Done(T Value, bool Created = false) : Outcome<T>;

    /// <summary>No such record, or the caller may not read it: the answer is the same.</summary>
    public sealed record NotFound(string What) : Outcome<T>;

    /// <summary>The caller may read the record but not do this.</summary>
    public sealed record Forbidden(string Why) : Outcome<T>;

    public sealed record Conflict(string Why, long CurrentVersion) : Outcome<T>;

    public sealed record Invalid(string Field, string Message) : Outcome<T>;

    public static implicit operator Outcome<T>(T value) => new Done(value);
}
