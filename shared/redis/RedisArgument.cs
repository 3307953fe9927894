namespace Roomcast.Redis;

/// <summary>
/// One argument of a command, converted implicitly from text (sent as UTF-8), bytes, an integer or a
/// floating-point number (infinities are sent as <c>+inf</c> / <c>-inf</c>, as sorted-set ranges expect).
/// </summary>
public readonly struct RedisArgument
{
    internal enum ArgumentKind : byte
    {
        None = 0,
        Text,
        Bytes,
        Integer,
        Float,
    }

    private RedisArgument(ArgumentKind kind, string? text, ReadOnlyMemory<byte> bytes, long integer, double number)
    {
        Kind = kind;
        Text = text;
        Bytes = bytes;
        Integer = integer;
        Float = number;
    }

    internal ArgumentKind Kind { get; }

    internal string? Text { get; }

    internal ReadOnlyMemory<byte> Bytes { get; }

    internal long Integer { get; }

    internal double Float { get; }

    public static implicit operator RedisArgument(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new(ArgumentKind.Text, text, default, 0, 0);
    }

    public static implicit operator RedisArgument(ReadOnlyMemory<byte> bytes) => new(ArgumentKind.Bytes, null, bytes, 0, 0);

    public static implicit operator RedisArgument(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return new(ArgumentKind.Bytes, null, bytes, 0, 0);
    }

    public static implicit operator RedisArgument(long value) => new(ArgumentKind.Integer, null, default, value, 0);

    public static implicit operator RedisArgument(int value) => new(ArgumentKind.Integer, null, default, value, 0);

    public static implicit operator RedisArgument(double value) => double.IsNaN(value)
        ? throw new ArgumentException("NaN cannot be sent to Redis.", nameof(value))
        : new(ArgumentKind.Float, null, default, 0, value);
}
