namespace Roomcast.DocumentsApi.Access;

/// <summary>What a user may do with a root's records; ordered so the strongest grant wins.</summary>
public enum AccessLevel
{
    None = 0,
    RO = 1,
    RW = 2,
}

public static class AccessLevels
{
    public static bool CanRead(this AccessLevel level) => level >= AccessLevel.RO;

    public static bool CanWrite(this AccessLevel level) => level == AccessLevel.RW;

    public const string Expected = "must be RW, RO or None";

    public static AccessLevel Parse(string value) =>
        TryParse(value, out var level) ? level : throw new FormatException($"'{value}' is not an access level: it {Expected}.");

    /// <summary>Exactly <c>RW</c>, <c>RO</c> or <c>None</c>: one spelling per level, as on the wire.</summary>
    public static bool TryParse(string? value, out AccessLevel level)
    {
        (var known, level) = value switch
        {
            "RW" => (true, AccessLevel.RW),
            "RO" => (true, AccessLevel.RO),
            "None" => (true, AccessLevel.None),
            _ => (false, AccessLevel.None),
        };
        return known;
    }

    public static AccessLevel Max(AccessLevel a, AccessLevel b) => a >= b ? a : b;
}
