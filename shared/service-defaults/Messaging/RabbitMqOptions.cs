using System.ComponentModel.DataAnnotations;

namespace Roomcast.ServiceDefaults.Messaging;

/// <summary>Section <c>RabbitMq</c>: the broker every service publishes to and consumes from.</summary>
public sealed class RabbitMqOptions
{
    public const string Section = "RabbitMq";

    [Required]
    public string Host { get; set; } = "127.0.0.1";

    [Range(1, 65535)]
    public int Port { get; set; } = 5672;

    [Required]
    public string VirtualHost { get; set; } = "/";

    [Required]
    public string Username { get; set; } = "guest";

    [Required]
    public string Password { get; set; } = "guest";
}
