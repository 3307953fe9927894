namespace Roomcast.LogTool;

internal static class Usage
{
    public const string Text = """
        roomcast-log: Roomcast's event logs, the gateways' traces and dead letters, through admin endpoints.

        Commands
          list                         events of identity's and documents-api's logs, merged in commit time
          tail [-f]                    the events of the last --limit positions (10); -f: then follow new ones
                                       (--max-events N stops after N, --interval S polls every S seconds)
          show <eventId>               an event's payload, audience, commit and publish times, its seq and
                                       delivery state in the gateways, and whether an error queue holds it
          why <eventId> --user <id>    whether the event's audience included the user, by which room, and
                                       whether a connection of theirs is in it now (the gateway given)
          replay --queue <q> [filters] copies the events that match, in commit-time order, into RabbitMQ queue q
                                       (yours, declared by the consumer being debugged); --pace original keeps
                                       the gaps between their commits, else as fast as possible
          replay --to-connection <id> | --to-user <id> [filters]
                                       the gateway sends the events that match to that connection (or every
                                       connection of that user) marked replay: true, only those in an event's
                                       audience now; the rest are refused with the reason; --pace as above
          dead-letters list            the error queue of every consumer queue of the services given
          dead-letters show <id>       one dead-lettered message: why it failed, its body
          dead-letters redrive <id>... back to its consumer queue (--all: every message); says what it did
          dead-letters purge <id>...   dropped for good (--all: every message); says what it did

        Filters (list, tail, replay)
          --service identity|documents-api   one log only (needed for --after / --before)
          --type <EventType>  --record-type <Type>  --record <id>  --actor <userId>  --room <room>
          --from <time> --to <time>    commit time, from inclusive, to exclusive (ISO 8601, UTC if no offset)
          --after <pos> --before <pos> positions in one service's log, both exclusive
          --limit <n>                  list: at most n events (100); tail: the last n positions of each log (10)
          --payload                    include each event's payload (with --json)

        Output
          --json                       one JSON object per line instead of a table
          --quiet                      no progress or notes on stderr

        Where and who (options, or environment variables)
          --identity <url>   ROOMCAST_IDENTITY_URL      --documents <url>  ROOMCAST_DOCUMENTS_URL
          --gateway <url>    ROOMCAST_GATEWAY_URL
          --token <jwt>      ROOMCAST_ADMIN_TOKEN       an admin's access token, or log in through identity:
          --admin <name>     ROOMCAST_ADMIN_USER        --admin-password <pw>  ROOMCAST_ADMIN_PASSWORD

        Exit codes: 0 done, 1 failed (a service refused or is unreachable; the reason is printed), 2 usage.

        """;
}
