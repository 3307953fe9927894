using System.Buffers;
using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Roomcast.Redis.Tests.Protocol;

/// <summary>RESP2 as a server writes it, and generators of replies, for the parser's tests.</summary>
internal static class RespFrames
{
    public static RedisValue Simple(string text) => RedisValue.SimpleString(Encoding.UTF8.GetBytes(text));

    public static RedisValue Bulk(string text) => RedisValue.BulkString(Encoding.UTF8.GetBytes(text));

    public static RedisValue Integer(long value) => RedisValue.Integer(value);

    public static RedisValue Array(params RedisValue[] elements) => RedisValue.Array(elements);

    public static byte[] Encode(RedisValue value)
    {
        var output = new ArrayBufferWriter<byte>();
        Write(output, value);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>The same bytes as a sequence of several segments, cut at <paramref name="cuts"/>.</summary>
    public static ReadOnlySequence<byte> Segmented(byte[] bytes, IEnumerable<int> cuts)
    {
        var bounds = cuts.Where(cut => cut > 0 && cut < bytes.Length).Distinct().Order().Append(bytes.Length).ToList();
        Segment? first = null, last = null;
        var start = 0;
        foreach (var end in bounds)
        {
            var segment = new Segment(bytes.AsMemory(start..end), last);
            first ??= segment;
            last = segment;
            start = end;
        }
        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private static readonly Gen<byte[]> AnyBytes = Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b));

    private static readonly Gen<byte[]> LineBytes = Gen.ArrayOf(Gen.Choose(0, 255).Where(b => b is not '\r' and not '\n').Select(b => (byte)b));

    private static readonly Gen<long> Longs = Gen.OneOf(
        Gen.Elements(long.MinValue, long.MaxValue, 0L, -1L),
        Gen.Choose(int.MinValue, int.MaxValue).Select(i => (long)i),
        Gen.Zip(Gen.Choose(int.MinValue, int.MaxValue), Gen.Choose(int.MinValue, int.MaxValue), (high, low) => ((long)high << 32) | (uint)low));

    private static readonly Gen<RedisValue> Scalars = Gen.OneOf(
        Gen.Constant(RedisValue.Null),
        LineBytes.Select(RedisValue.SimpleString),
        LineBytes.Select(RedisValue.Error),
        Longs.Select(RedisValue.Integer),
        AnyBytes.Select(RedisValue.BulkString));

    // Declared after the generators they are built from: static fields initialise in order.
    /// <summary>Any reply: every kind, integers across the whole range, bulk strings with any bytes (CR and LF too), arrays nested up to 4 deep.</summary>
    public static Arbitrary<RedisValue> Replies { get; } = Reply(depth: 4).ToArbitrary();

    /// <summary>Mostly the bytes RESP is made of, so random input often gets past the first byte.</summary>
    public static Arbitrary<byte[]> NoiseBytes { get; } = Gen.ArrayOf(Gen.Frequency(
            (3, Gen.Elements("+-:$*\r\n0123456789-"u8.ToArray())),
            (1, Gen.Choose(0, 255).Select(b => (byte)b))))
        .ToArbitrary();

    private static Gen<RedisValue> Reply(int depth) => depth == 0
        ? Scalars
        : Gen.Frequency(
            (3, Scalars),
            (1, Gen.Choose(0, 6).SelectMany(count => Gen.ArrayOf(Reply(depth - 1), count)).Select(RedisValue.Array)));

    private static void Write(ArrayBufferWriter<byte> output, RedisValue value)
    {
        switch (value.Kind)
        {
            case RedisValueKind.Null:
                output.Write("$-1\r\n"u8);
                break;
            case RedisValueKind.SimpleString:
                Line(output, '+', value.AsBytes().Span);
                break;
            case RedisValueKind.Error:
                Line(output, '-', value.AsBytes().Span);
                break;
            case RedisValueKind.Integer:
                Line(output, ':', Ascii(value.AsInt64()));
                break;
            case RedisValueKind.BulkString:
                Line(output, '$', Ascii(value.AsBytes().Length));
                output.Write(value.AsBytes().Span);
                output.Write("\r\n"u8);
                break;
            case RedisValueKind.Array:
                Line(output, '*', Ascii(value.AsArray().Count));
                foreach (var element in value.AsArray())
                {
                    Write(output, element);
                }
                break;
        }
    }

    private static void Line(ArrayBufferWriter<byte> output, char type, ReadOnlySpan<byte> text)
    {
        output.Write([(byte)type]);
        output.Write(text);
        output.Write("\r\n"u8);
    }

    private static byte[] Ascii(long number) => Encoding.ASCII.GetBytes(number.ToString(CultureInfo.InvariantCulture));

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
