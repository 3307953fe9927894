using System.Globalization;
using System.Text;

namespace Roomcast.Redis.Protocol;

/// <summary>
/// Encodes a command the way Redis expects it from a client: a RESP array of bulk strings
/// (<c>*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n</c>). The command is encoded once, by the caller,
/// into a buffer of exactly its size, so its bytes are fixed when the call returns.
/// </summary>
internal static class RespWriter
{
    /// <summary>Longest text of a long (<c>-9223372036854775808</c>) or a double in round-trip notation.</summary>
    private const int MaxNumberLength = 32;

    public static byte[] WriteCommand(string command, ReadOnlySpan<RedisArgument> arguments)
    {
        var length = LineLength(1 + arguments.Length) + FramedLength(Encoding.UTF8.GetByteCount(command));
        foreach (ref readonly var argument in arguments)
        {
            length += FramedLength(PayloadLength(argument));
        }

        var buffer = new byte[length];
        var rest = buffer.AsSpan();
        WriteNumberLine(ref rest, (byte)'*', 1 + arguments.Length);
        WriteBulkString(ref rest, command);
        foreach (ref readonly var argument in arguments)
        {
            WriteBulkString(ref rest, argument);
        }
        return buffer;
    }

    /// <summary>Length of <c>*n\r\n</c> or <c>$n\r\n</c>.</summary>
    private static int LineLength(int number) => 1 + DigitCount(number) + 2;

    /// <summary>Length of a bulk string: <c>$n\r\n</c>, n bytes, <c>\r\n</c>.</summary>
    private static int FramedLength(int payloadLength) => LineLength(payloadLength) + payloadLength + 2;

    private static int PayloadLength(in RedisArgument argument)
    {
        Span<byte> scratch = stackalloc byte[MaxNumberLength];
        return argument.Kind switch
        {
            RedisArgument.ArgumentKind.Text => Encoding.UTF8.GetByteCount(argument.Text!),
            RedisArgument.ArgumentKind.Bytes => argument.Bytes.Length,
            RedisArgument.ArgumentKind.Integer => FormatInteger(argument.Integer, scratch),
            RedisArgument.ArgumentKind.Float => FormatFloat(argument.Float, scratch),
            _ => throw new ArgumentException("A Redis argument was default-initialised; pass text, bytes or a number."),
        };
    }

    private static void WriteBulkString(ref Span<byte> destination, string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        WriteNumberLine(ref destination, (byte)'$', length);
        Encoding.UTF8.GetBytes(text, destination);
        Advance(ref destination, length);
        WriteCrLf(ref destination);
    }

    private static void WriteBulkString(ref Span<byte> destination, in RedisArgument argument)
    {
        switch (argument.Kind)
        {
            case RedisArgument.ArgumentKind.Text:
                WriteBulkString(ref destination, argument.Text!);
                return;
            case RedisArgument.ArgumentKind.Bytes:
                WriteNumberLine(ref destination, (byte)'$', argument.Bytes.Length);
                argument.Bytes.Span.CopyTo(destination);
                Advance(ref destination, argument.Bytes.Length);
                WriteCrLf(ref destination);
                return;
            default:
                Span<byte> text = stackalloc byte[MaxNumberLength];
                var length = argument.Kind == RedisArgument.ArgumentKind.Integer
                    ? FormatInteger(argument.Integer, text)
                    : FormatFloat(argument.Float, text);
                WriteNumberLine(ref destination, (byte)'$', length);
                text[..length].CopyTo(destination);
                Advance(ref destination, length);
                WriteCrLf(ref destination);
                return;
        }
    }

    private static void WriteNumberLine(ref Span<byte> destination, byte type, int number)
    {
        destination[0] = type;
        Advance(ref destination, 1);
        Advance(ref destination, FormatInteger(number, destination));
        WriteCrLf(ref destination);
    }

    private static void WriteCrLf(ref Span<byte> destination)
    {
        "\r\n"u8.CopyTo(destination);
        Advance(ref destination, 2);
    }

    private static void Advance(ref Span<byte> destination, int count) => destination = destination[count..];

    private static int DigitCount(int value)
    {
        Span<byte> scratch = stackalloc byte[MaxNumberLength];
        return FormatInteger(value, scratch);
    }

    private static int FormatInteger(long value, Span<byte> destination)
    {
        value.TryFormat(destination, out var written, default, CultureInfo.InvariantCulture);
        return written;
    }

    private static int FormatFloat(double value, Span<byte> destination)
    {
        if (double.IsInfinity(value))
        {
            var infinity = value > 0 ? "+inf"u8 : "-inf"u8;
            infinity.CopyTo(destination);
            return infinity.Length;
        }
        value.TryFormat(destination, out var written, "R", CultureInfo.InvariantCulture);
        return written;
    }
}
