using Roomcast.Redis.Tests.Protocol;
using Shouldly;
using Xunit;

namespace Roomcast.Redis.Tests;

public sealed class RedisValueTests
{
    [Fact]
    public void AnIntegerReadsAsANumberAndAsText()
    {
        RespFrames.Integer(-7).AsInt64().ShouldBe(-7);
        RespFrames.Integer(-7).AsString().ShouldBe("-7");
    }

    [Fact]
    public void ABulkStringHoldingADecimalNumberReadsAsANumber()
    {
        RespFrames.Bulk("123").AsInt64().ShouldBe(123);
        Should.Throw<InvalidCastException>(() => RespFrames.Bulk("12x").AsInt64());
    }

    [Fact]
    public void NullReadsAsNoStringAndAsNothingElse()
    {
        RedisValue.Null.AsString().ShouldBeNull();
        Should.Throw<InvalidCastException>(() => RedisValue.Null.AsBytes());
        Should.Throw<InvalidCastException>(() => RedisValue.Null.AsArray());
        Should.Throw<InvalidCastException>(() => RedisValue.Null.AsInt64());
    }

    [Fact]
    public void AnArrayIsNotAString()
    {
        Should.Throw<InvalidCastException>(() => RespFrames.Array().AsString());
    }

    [Fact]
    public void ValuesAreEqualByContent()
    {
        RespFrames.Array(RespFrames.Bulk("a"), RespFrames.Integer(1)).ShouldBe(RespFrames.Array(RespFrames.Bulk("a"), RespFrames.Integer(1)));
        RespFrames.Bulk("a").ShouldNotBe(RespFrames.Simple("a"));
        RespFrames.Bulk("a").GetHashCode().ShouldBe(RespFrames.Bulk("a").GetHashCode());
    }
}
