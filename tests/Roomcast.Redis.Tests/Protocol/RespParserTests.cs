using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Roomcast.Redis.Protocol;
using Shouldly;
using Xunit;

namespace Roomcast.Redis.Tests.Protocol;

public sealed class RespParserTests
{
    [Fact]
    public void EveryReplyReadsBackAsTheValueThatWasWritten()
    {
        Prop.ForAll(RespFrames.Replies, reply =>
        {
            var bytes = RespFrames.Encode(reply);
            var (value, consumed) = ReadOne(new ReadOnlySequence<byte>(bytes));
            return value == reply && consumed == bytes.Length;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void AReplyCutIntoManyBufferSegmentsReadsTheSameAsInOne()
    {
        Prop.ForAll(RespFrames.Replies, ArbMap.Default.ArbFor<int[]>(), (reply, cuts) =>
        {
            var bytes = RespFrames.Encode(reply);
            var (value, consumed) = ReadOne(RespFrames.Segmented(bytes, cuts.Select(cut => Math.Abs(cut % (bytes.Length + 1)))));
            return value == reply && consumed == bytes.Length;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void EveryTruncationOfAReplyIsIncompleteAndConsumesNothing()
    {
        Prop.ForAll(RespFrames.Replies, reply =>
        {
            var bytes = RespFrames.Encode(reply);
            for (var length = 0; length < bytes.Length; length++)
            {
                var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes, 0, length));
                if (RespParser.TryRead(ref reader, out _) || reader.Consumed != 0)
                {
                    return false;
                }
            }
            return true;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void RepliesWrittenBackToBackAreReadOneAfterTheOther()
    {
        Prop.ForAll(Gen.ArrayOf(RespFrames.Replies.Generator).ToArbitrary(), replies =>
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(replies.SelectMany(RespFrames.Encode).ToArray()));
            var read = new List<RedisValue>();
            while (RespParser.TryRead(ref reader, out var value))
            {
                read.Add(value);
            }
            return read.SequenceEqual(replies) && reader.End;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void RandomBytesAreReadAsRepliesOrIncompleteOrAProtocolErrorAndNothingElse()
    {
        Prop.ForAll(RespFrames.NoiseBytes, bytes =>
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
            try
            {
                var consumed = reader.Consumed;
                while (RespParser.TryRead(ref reader, out _))
                {
                    if (reader.Consumed <= consumed)
                    {
                        return false; // a successful read that consumed nothing would loop forever
                    }
                    consumed = reader.Consumed;
                }
                return reader.Consumed == consumed;
            }
            catch (RedisProtocolException)
            {
                return true;
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(5_000));
    }

    [Theory]
    [InlineData("?garbage\r\n", "unknown type")]
    [InlineData("$-2\r\n", "invalid length -2")]
    [InlineData("*-7\r\n", "invalid length -7")]
    [InlineData("$3\r\nabcde\r\n", "does not end with CRLF")]
    [InlineData(":12a\r\n", "not a 64-bit decimal")]
    [InlineData(":\r\n", "not a 64-bit decimal")]
    [InlineData(":+5\r\n", "not a 64-bit decimal")]
    [InlineData(": 5\r\n", "not a 64-bit decimal")]
    [InlineData(":99999999999999999999\r\n", "not a 64-bit decimal")]
    [InlineData(":123456789012345678901\r\n", "longer than 20 bytes")]
    [InlineData("$536870913\r\n", "invalid length 536870913")]
    [InlineData("+OK\rX", "CR that is not followed by LF")]
    [InlineData("*2\r\n:1\r\n!\r\n", "unknown type 0x21")]
    public void MalformedInputIsAProtocolErrorThatSaysWhatIsWrong(string input, string explanation)
    {
        var exception = Should.Throw<RedisProtocolException>(() => ReadOne(Bytes(input)));
        exception.Message.ShouldContain(explanation);
    }

    [Fact]
    public void ALineThatNeverEndsIsAProtocolErrorOnceItIsTooLongRatherThanAnEndlessWait()
    {
        Should.Throw<RedisProtocolException>(() => ReadOne(Bytes("+" + new string('a', RespParser.MaxLineLength + 1))));
        Should.Throw<RedisProtocolException>(() => ReadOne(Bytes(":" + new string('1', 21))));
        TryReadOne(Bytes("+" + new string('a', RespParser.MaxLineLength))).ShouldBeFalse();
    }

    [Fact]
    public void ArraysNestedBeyondTheLimitAreAProtocolError()
    {
        var nested = string.Concat(Enumerable.Repeat("*1\r\n", RespParser.MaxDepth + 1)) + ":1\r\n";
        Should.Throw<RedisProtocolException>(() => ReadOne(Bytes(nested))).Message.ShouldContain("nested deeper");
        var deepest = string.Concat(Enumerable.Repeat("*1\r\n", RespParser.MaxDepth)) + ":1\r\n";
        ReadOne(Bytes(deepest)).Consumed.ShouldBe(deepest.Length);
    }

    [Fact]
    public void AHugeAnnouncedLengthWaitsForItsDataWithoutAllocatingIt()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        TryReadOne(Bytes($"${RespParser.MaxBulkLength}\r\nabc")).ShouldBeFalse();
        TryReadOne(Bytes($"*{Array.MaxLength}\r\n:1\r\n")).ShouldBeFalse();
        (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBeLessThan(1024 * 1024);
    }

    [Fact]
    public void TheNullBulkStringAndTheNullArrayAreBothNull()
    {
        ReadOne(Bytes("$-1\r\n")).Value.IsNull.ShouldBeTrue();
        ReadOne(Bytes("*-1\r\n")).Value.IsNull.ShouldBeTrue();
    }

    [Fact]
    public void TypicalRepliesReadAsTheirKinds()
    {
        ReadOne(Bytes("+OK\r\n")).Value.ShouldBe(RespFrames.Simple("OK"));
        ReadOne(Bytes("-WRONGTYPE Operation against a key\r\n")).Value.Kind.ShouldBe(RedisValueKind.Error);
        ReadOne(Bytes(":-42\r\n")).Value.AsInt64().ShouldBe(-42);
        ReadOne(Bytes("$5\r\na\r\nbc\r\n")).Value.AsString().ShouldBe("a\r\nbc");
        ReadOne(Bytes("$0\r\n\r\n")).Value.AsString().ShouldBe("");
        ReadOne(Bytes("*0\r\n")).Value.AsArray().ShouldBeEmpty();
        ReadOne(Bytes("*2\r\n$1\r\na\r\n*1\r\n:1\r\n")).Value
            .ShouldBe(RespFrames.Array(RespFrames.Bulk("a"), RespFrames.Array(RespFrames.Integer(1))));
    }

    private static ReadOnlySequence<byte> Bytes(string text) => new(Encoding.UTF8.GetBytes(text));

    private static (RedisValue Value, long Consumed) ReadOne(ReadOnlySequence<byte> input)
    {
        var reader = new SequenceReader<byte>(input);
        RespParser.TryRead(ref reader, out var value).ShouldBeTrue("the reply should be complete");
        return (value, reader.Consumed);
    }

    private static bool TryReadOne(ReadOnlySequence<byte> input)
    {
        var reader = new SequenceReader<byte>(input);
        return RespParser.TryRead(ref reader, out _);
    }
}
