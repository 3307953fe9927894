using FsCheck;
using FsCheck.Fluent;
using Roomcast.Contracts.Rooms;
using Roomcast.DocumentsApi.Access;
using Roomcast.DocumentsApi.Audience;
using Shouldly;
using Xunit;

namespace Roomcast.UnitTests.Audience;

/// <summary>
/// The audience invariant (ARCHITECTURE.md): the rooms of an event resolve to exactly the users who
/// can read the record, plus the admins and the actor. Checked over generated permission graphs.
/// </summary>
public sealed class AudienceCalculatorTests
{
    [Fact]
    public void TheRoomsOfADocumentChangeResolveToExactlyItsReadersAdminsAndActor()
    {
        Prop.ForAll<int>(seed =>
        {
            var world = World.Generate(new Random(seed));
            var readers = new RecordReaders(world.Access, world.Author);
            var rooms = AudienceCalculator.ForRecordChange(readers, readers, world.Actor);

            var expected = world.Users.Where(user => world.CanRead(world.Access, user)).Append(world.Actor).ToHashSet();
            expected.UnionWith(world.Admins);
            return world.Resolve(rooms).SetEquals(expected);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(500));
    }

    [Fact]
    public void TheRoomsOfAGrantChangeResolveToExactlyTheReadersBeforeAndAfter()
    {
        Prop.ForAll<int>(seed =>
        {
            var random = new Random(seed);
            var world = World.Generate(random);
            var after = world.Mutate(random);
            var rooms = AudienceCalculator.ForRecordChange(
                new RecordReaders(world.Access, world.Author), new RecordReaders(after, world.Author), world.Actor);

            var expected = world.Users
                .Where(user => world.CanRead(world.Access, user) || world.CanRead(after, user))
                .Append(world.Actor)
                .ToHashSet();
            expected.UnionWith(world.Admins);
            return world.Resolve(rooms).SetEquals(expected);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(500));
    }

    [Fact]
    public void AChangeInAPrivateRootNamesNeitherAllNorOutsiders()
    {
        var root = Guid.NewGuid();
        var author = Guid.NewGuid();
        var reader = Guid.NewGuid();
        var outsider = Guid.NewGuid();
        var access = new RootAccess(root, author, AccessLevel.None,
            new Dictionary<Guid, AccessLevel> { [reader] = AccessLevel.RO, [outsider] = AccessLevel.None }, []);
        var readers = new RecordReaders(access, author);

        var rooms = AudienceCalculator.ForRecordChange(readers, readers, author);

        rooms.ShouldBe(new[]
        {
            RoomName.Admin.ToString(),
            RoomName.Root(root).ToString(),
            RoomName.User(author).ToString(),
            RoomName.User(reader).ToString(),
        }.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ASharedRootReachesEveryone()
    {
        var access = new RootAccess(Guid.NewGuid(), Guid.NewGuid(), AccessLevel.RO, new Dictionary<Guid, AccessLevel>(), []);
        var readers = new RecordReaders(access, Guid.NewGuid());
        AudienceCalculator.ForRecordChange(readers, readers, Guid.NewGuid()).ShouldContain(RoomName.All.ToString());
    }

    /// <summary>A random permission graph, and an oracle for who can read, written independently of the service.</summary>
    private sealed record World(
        List<Guid> Users,
        HashSet<Guid> Admins,
        Dictionary<Guid, List<Guid>> Groups,
        RootAccess Access,
        Guid Author,
        Guid Actor)
    {
        private static readonly AccessLevel[] Levels = [AccessLevel.None, AccessLevel.RO, AccessLevel.RW];

        public static World Generate(Random random)
        {
            var users = Enumerable.Range(0, random.Next(1, 12)).Select(_ => Guid.NewGuid()).ToList();
            var admins = users.Where(_ => random.Next(5) == 0).ToHashSet();
            var groups = Enumerable.Range(0, random.Next(0, 5)).ToDictionary(
                _ => Guid.NewGuid(),
                _ => users.Where(_ => random.Next(3) == 0).ToList());
            var userGrants = users.Where(_ => random.Next(2) == 0).ToDictionary(user => user, _ => Levels[random.Next(3)]);
            var groupGrants = groups.Where(_ => random.Next(2) == 0)
                .Select(group => new GroupGrant(group.Key, Levels[random.Next(3)], group.Value))
                .ToList();
            var owner = users[random.Next(users.Count)];
            var access = new RootAccess(Guid.NewGuid(), owner, Levels[random.Next(3)], userGrants, groupGrants);
            var author = users[random.Next(users.Count)];
            var actor = users[random.Next(users.Count)];
            return new World(users, admins, groups, access, author, actor);
        }

        public bool CanRead(RootAccess access, Guid user) =>
            user == Author
            || user == access.OwnerId
            || access.SharedAccess != AccessLevel.None
            || (access.UserGrants.TryGetValue(user, out var level) && level != AccessLevel.None)
            || access.GroupGrants.Any(grant => grant.Access != AccessLevel.None && Groups[grant.GroupId].Contains(user));

        /// <summary>One change of the kinds documents-api makes to a root: sharedAccess, or a user or group grant set or revoked.</summary>
        public RootAccess Mutate(Random random)
        {
            var user = Users[random.Next(Users.Count)];
            var level = Levels[random.Next(3)];
            switch (random.Next(3))
            {
                case 0:
                    return Access with { SharedAccess = level };
                case 1:
                    var users = new Dictionary<Guid, AccessLevel>(Access.UserGrants);
                    if (random.Next(2) == 0)
                    {
                        users.Remove(user);
                    }
                    else
                    {
                        users[user] = level;
                    }

                    return Access with { UserGrants = users };
                default:
                    if (Groups.Count == 0)
                    {
                        return Access;
                    }

                    var group = Groups.Keys.ElementAt(random.Next(Groups.Count));
                    var groups = Access.GroupGrants.Where(grant => grant.GroupId != group).ToList();
                    if (random.Next(2) == 0)
                    {
                        groups.Add(new GroupGrant(group, level, Groups[group]));
                    }

                    return Access with { GroupGrants = groups };
            }
        }

        /// <summary>The users whose connections are in at least one of the rooms (nobody joined a root: room).</summary>
        public HashSet<Guid> Resolve(IEnumerable<string> rooms)
        {
            var reached = new HashSet<Guid>();
            foreach (var room in rooms.Select(RoomName.Parse))
            {
                switch (room.Kind)
                {
                    case RoomKind.User:
                        reached.Add(room.Id);
                        break;
                    case RoomKind.Group:
                        reached.UnionWith(Groups[room.Id]);
                        break;
                    case RoomKind.All:
                        reached.UnionWith(Users);
                        break;
                    case RoomKind.Admin:
                        reached.UnionWith(Admins);
                        break;
                }
            }

            return reached;
        }
    }
}
