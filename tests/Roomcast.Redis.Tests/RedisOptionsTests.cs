using System.ComponentModel.DataAnnotations;
using Shouldly;
using Xunit;

namespace Roomcast.Redis.Tests;

public sealed class RedisOptionsTests
{
    [Theory]
    [InlineData("127.0.0.1:6379")]
    [InlineData("localhost:1")]
    [InlineData("redis.internal:65535")]
    [InlineData("[::1]:6379")]
    public void AnEndpointWithHostAndPortIsValid(string endpoint)
    {
        Errors(new RedisOptions { Endpoint = endpoint }).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("")]
    [InlineData("localhost")]
    [InlineData(":6379")]
    [InlineData("localhost:0")]
    [InlineData("localhost:65536")]
    [InlineData("localhost:63a")]
    [InlineData("[]:6379")]
    public void AnEndpointWithoutHostOrValidPortIsInvalid(string endpoint)
    {
        Errors(new RedisOptions { Endpoint = endpoint }).ShouldNotBeEmpty();
    }

    [Fact]
    public void EveryInvalidSettingIsReportedAtOnce()
    {
        var options = new RedisOptions
        {
            Endpoint = "no-port",
            ClientName = "two words",
            CommandTimeout = TimeSpan.Zero,
            ReconnectMinDelay = TimeSpan.FromSeconds(5),
            ReconnectMaxDelay = TimeSpan.FromSeconds(1),
            ReconnectJitter = 1.5,
            User = "roomcast",
        };

        var failure = Should.Throw<ValidationException>(options.EnsureValid);

        foreach (var setting in new[] { "Endpoint", "ClientName", "CommandTimeout", "ReconnectMaxDelay", "ReconnectJitter", "User needs a Password" })
        {
            failure.Message.ShouldContain(setting);
        }
    }

    [Fact]
    public async Task ConnectingWithInvalidOptionsFailsBeforeTouchingTheNetwork()
    {
        var options = new RedisOptions { Endpoint = "127.0.0.1:6379", CommandTimeout = TimeSpan.Zero, ClientName = "a b" };

        var failure = await Should.ThrowAsync<ValidationException>(() => RedisConnection.ConnectAsync(options));

        failure.Message.ShouldContain("CommandTimeout");
        failure.Message.ShouldContain("ClientName");
        await Should.ThrowAsync<ValidationException>(() => RedisSubscriber.ConnectAsync(options));
    }

    private static List<ValidationResult> Errors(RedisOptions options)
    {
        var errors = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true);
        return errors;
    }
}
