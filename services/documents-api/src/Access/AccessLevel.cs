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

    public static AccessLevel Parse(string value) => value switch
    {
        "RW" => AccessLevel.RW,
        "RO" => AccessLevel.RO,
        "None" => AccessLevel.None,
        _ => throw new FormatException($"'{value}' is not an access level: expected RW, RO or None."),
    };

    public static AccessLevel Max(AccessLevel a, AccessLevel b) => a >= b ? a : b;
}
