namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>The stages an event goes through from its commit to the local connections' sockets, as <see cref="DeliveryTimings"/> reports them.</summary>
public enum DeliveryStage
{
    /// <summary>From the event's occurrence (its transaction) to the outbox relay's publish. Crosses hosts' clocks in production.</summary>
    Outbox,

    /// <summary>From the relay's publish to this instance receiving it from RabbitMQ. Crosses hosts' clocks in production.</summary>
    Broker,

    /// <summary>From receiving it from RabbitMQ to the consumer starting.</summary>
    Queued,

    /// <summary>Each wait of a delivery step for the events before it to take that step (<see cref="DeliveryOrder"/>).</summary>
    Turn,

    /// <summary>The history append that dedupes the event and gives it the client seq (one Redis round trip).</summary>
    History,

    /// <summary>Writing the event to this instance's connections in its audience.</summary>
    LocalSend,

    /// <summary>Marking the event delivered in the history, with the publish to the other instances in the same Redis round trip when there is a backplane.</summary>
    Complete,

    /// <summary>The whole consume, from the consumer's start to its end.</summary>
    Consume,
}
