using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Roomcast.Redis.Protocol;
using Shouldly;
using Xunit;

namespace Roomcast.Redis.Tests.Protocol;

public sealed class RespWriterTests
{
    [Fact]
    public void ACommandIsWrittenAsAnArrayOfBulkStrings()
    {
        Text(RespWriter.WriteCommand("SET", ["key", "value"]))
            .ShouldBe("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n");
    }

    [Fact]
    public void NumbersAreWrittenAsDecimalTextAndInfinitiesAsRedisSpellsThem()
    {
        Text(RespWriter.WriteCommand("X", [long.MinValue, 0, 1.5, double.PositiveInfinity, double.NegativeInfinity]))
            .ShouldBe("*6\r\n$1\r\nX\r\n$20\r\n-9223372036854775808\r\n$1\r\n0\r\n$3\r\n1.5\r\n$4\r\n+inf\r\n$4\r\n-inf\r\n");
    }

    [Fact]
    public void TextIsWrittenAsUtf8AndBytesAsTheyAre()
    {
        Text(RespWriter.WriteCommand("X", ["é", new byte[] { 0, 13, 10 }]))
            .ShouldBe("*3\r\n$1\r\nX\r\n$2\r\né\r\n$3\r\n\0\r\n\r\n");
    }

    [Fact]
    public void NotANumberAndMissingArgumentsAreRefused()
    {
        Should.Throw<ArgumentException>(() => RespWriter.WriteCommand("X", [double.NaN]));
        Should.Throw<ArgumentException>(() => RespWriter.WriteCommand("X", [default(RedisArgument)]));
        Should.Throw<ArgumentNullException>(() => RespWriter.WriteCommand("X", [(string)null!]));
    }

    [Fact]
    public void EveryCommandReadsBackAsTheBulkStringsOfItsArguments()
    {
        var arguments = Gen.OneOf(
            ArbMap.Default.GeneratorFor<string>().Where(text => text is not null).Select(text => (Argument: (RedisArgument)text, Expected: Encoding.UTF8.GetBytes(text))),
            ArbMap.Default.GeneratorFor<byte[]>().Where(bytes => bytes is not null).Select(bytes => (Argument: (RedisArgument)bytes, Expected: bytes)),
            ArbMap.Default.GeneratorFor<long>().Select(number => (Argument: (RedisArgument)number, Expected: Encoding.ASCII.GetBytes(number.ToString()))));

        Prop.ForAll(Gen.ArrayOf(arguments).ToArbitrary(), command =>
        {
            var bytes = RespWriter.WriteCommand("CMD", command.Select(argument => argument.Argument).ToArray());
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
            RespParser.TryRead(ref reader, out var value).ShouldBeTrue();
            var expected = command.Select(argument => RedisValue.BulkString(argument.Expected)).Prepend(RespFrames.Bulk("CMD"));
            return reader.End && value.AsArray().SequenceEqual(expected);
        }).QuickCheckThrowOnFailure();
    }

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
