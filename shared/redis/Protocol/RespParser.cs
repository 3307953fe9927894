using System.Buffers;
using System.Globalization;

namespace Roomcast.Redis.Protocol;

/// <summary>
/// Reads RESP2 replies from buffered bytes. A reply that is not completely buffered yet is reported
/// as incomplete and nothing is consumed; malformed input throws <see cref="RedisProtocolException"/>.
/// Every size the input announces is checked against its limit and against what is buffered before
/// anything is allocated, and every line has a maximum length, so garbage or hostile input can
/// neither exhaust memory nor leave the parser waiting for a line that can never end.
/// </summary>
internal static class RespParser
{
    /// <summary>Redis's own limit for a bulk string (<c>proto-max-bulk-len</c>).</summary>
    public const long MaxBulkLength = 512L * 1024 * 1024;

    /// <summary>Deeper nesting is nothing Redis sends; it is treated as malformed (and bounds the recursion).</summary>
    public const int MaxDepth = 64;

    /// <summary>Longest simple string or error line.</summary>
    public const int MaxLineLength = 64 * 1024;

    /// <summary><c>-9223372036854775808</c> is 20 characters.</summary>
    private const int MaxNumberLength = 20;

    /// <summary>The shortest reply, <c>+\r\n</c>, is three bytes: an array of n elements needs at least 3n more.</summary>
    private const int MinReplyLength = 3;

    /// <summary>
    /// Reads one reply and advances <paramref name="reader"/> past it; returns <c>false</c>, leaving
    /// <paramref name="reader"/> where it was, when the reply is not completely buffered yet.
    /// </summary>
    public static bool TryRead(ref SequenceReader<byte> reader, out RedisValue value)
    {
        var attempt = reader;
        if (TryReadValue(ref attempt, depth: 0, out value))
        {
            reader = attempt;
            return true;
        }
        value = default;
        return false;
    }

    private static bool TryReadValue(ref SequenceReader<byte> reader, int depth, out RedisValue value)
    {
        value = default;
        if (!reader.TryRead(out var type))
        {
            return false;
        }
        switch (type)
        {
            case (byte)'+':
                if (!TryReadLine(ref reader, MaxLineLength, out var text))
                {
                    return false;
                }
                value = RedisValue.SimpleString(text.ToArray());
                return true;
            case (byte)'-':
                if (!TryReadLine(ref reader, MaxLineLength, out var message))
                {
                    return false;
                }
                value = RedisValue.Error(message.ToArray());
                return true;
            case (byte)':':
                if (!TryReadNumber(ref reader, out var integer))
                {
                    return false;
                }
                value = RedisValue.Integer(integer);
                return true;
            case (byte)'$':
                return TryReadBulkString(ref reader, out value);
            case (byte)'*':
                return TryReadArray(ref reader, depth, out value);
            default:
                throw new RedisProtocolException($"Redis sent a reply of unknown type 0x{type:X2}.");
        }
    }

    private static bool TryReadBulkString(ref SequenceReader<byte> reader, out RedisValue value)
    {
        value = default;
        if (!TryReadNumber(ref reader, out var length))
        {
            return false;
        }
        if (length == -1)
        {
            value = RedisValue.Null;
            return true;
        }
        if (length is < -1 or > MaxBulkLength)
        {
            throw new RedisProtocolException($"Redis sent a bulk string of invalid length {length}.");
        }
        if (reader.Remaining < length + 2)
        {
            return false;
        }
        var bytes = new byte[length];
        reader.TryCopyTo(bytes);
        reader.Advance(length);
        if (!reader.IsNext("\r\n"u8, advancePast: true))
        {
            throw new RedisProtocolException($"Redis sent a bulk string of length {length} that does not end with CRLF.");
        }
        value = RedisValue.BulkString(bytes);
        return true;
    }

    private static bool TryReadArray(ref SequenceReader<byte> reader, int depth, out RedisValue value)
    {
        value = default;
        if (!TryReadNumber(ref reader, out var count))
        {
            return false;
        }
        if (count == -1)
        {
            value = RedisValue.Null;
            return true;
        }
        if (count < -1 || count > Array.MaxLength)
        {
            throw new RedisProtocolException($"Redis sent an array of invalid length {count}.");
        }
        if (depth >= MaxDepth)
        {
            throw new RedisProtocolException($"Redis sent arrays nested deeper than {MaxDepth} levels.");
        }
        if (reader.Remaining < count * MinReplyLength)
        {
            return false;
        }
        var elements = count == 0 ? [] : new RedisValue[count];
        for (var i = 0; i < elements.Length; i++)
        {
            if (!TryReadValue(ref reader, depth + 1, out elements[i]))
            {
                return false;
            }
        }
        value = RedisValue.Array(elements);
        return true;
    }

    private static bool TryReadNumber(ref SequenceReader<byte> reader, out long number)
    {
        number = 0;
        if (!TryReadLine(ref reader, MaxNumberLength, out var line))
        {
            return false;
        }
        Span<byte> text = stackalloc byte[MaxNumberLength];
        line.CopyTo(text);
        text = text[..(int)line.Length];
        if (text.IsEmpty || text[0] == (byte)'+'
            || !long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number))
        {
            throw new RedisProtocolException("Redis sent a length or integer that is not a 64-bit decimal number.");
        }
        return true;
    }

    /// <summary>A line up to CRLF (the CRLF is consumed, not returned).</summary>
    private static bool TryReadLine(ref SequenceReader<byte> reader, int maxLength, out ReadOnlySequence<byte> line)
    {
        if (!reader.TryReadTo(out line, (byte)'\r', advancePastDelimiter: true))
        {
            if (reader.Remaining > maxLength)
            {
                throw new RedisProtocolException($"Redis sent a line longer than {maxLength} bytes.");
            }
            return false;
        }
        if (line.Length > maxLength)
        {
            throw new RedisProtocolException($"Redis sent a line longer than {maxLength} bytes.");
        }
        if (!reader.TryRead(out var lineFeed))
        {
            return false;
        }
        if (lineFeed != (byte)'\n')
        {
            throw new RedisProtocolException("Redis sent a CR that is not followed by LF.");
        }
        return true;
    }
}
