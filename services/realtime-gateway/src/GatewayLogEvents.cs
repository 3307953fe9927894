namespace Roomcast.RealtimeGateway;

/// <summary>The gateway's log event ids, one table so no two events share an id: a hundred per feature folder.</summary>
internal static class GatewayLogEvents
{
    // Backplane: 100–199.
    public const int BackplaneConnected = 101;
    public const int BackplaneConnectFailed = 102;
    public const int BackplaneLost = 103;
    public const int BackplaneRestored = 104;
    public const int BackplanePublishFailed = 105;
    public const int BackplaneSubscribePending = 106;
    public const int BackplanePendingSubscribed = 107;
    public const int BackplaneHandlerFailed = 109;
    public const int NoBackplane = 111;
    public const int BackplaneUnsubscribeFailed = 112;

    // Delivery: 200–299.
    public const int DeadLettered = 201;
    public const int ConsumerTurnGivenUp = 202;
    public const int ConsumerTurnRejoined = 203;
    public const int ConsumerTurnRejoinFailed = 204;
    public const int ConsumerTurnCloseUnconfirmed = 205;
    public const int ConsumerTurnStandingBy = 206;
    public const int ConsumerTurnStopUnconfirmed = 208;
    public const int ConsumerTurnWaitingForStop = 209;
    public const int ConsumerTurnHandedOff = 214;
    public const int DocumentChangedConsumed = 207;
    public const int AudienceDelivered = 210;
    public const int AudienceDuplicate = 211;
    public const int AudienceDeliveredBefore = 212;
    public const int AudienceSendingAgain = 213;
    public const int BroadcastReceived = 230;
    public const int DeliveryOrderUnseen = 250;
    public const int DeliveryTimingsSummary = 260;

    // Access: 300–399.
    public const int RootAccessNoRootRoom = 301;
    public const int RootAccessPublishFailed = 302;
    public const int RootAccessMalformed = 303;
    public const int RootAccessRecheckFailed = 304;
    public const int RootAccessKept = 305;
    public const int RootAccessRemoved = 306;
    public const int ReadAccessUnavailable = 320;
    public const int ReadAccessTokenRefused = 321;
    public const int ReadAccessUnexpected = 322;

    // Hub: 400–499.
    public const int HubConnected = 401;
    public const int HubDisconnected = 402;
    public const int HubRefused = 403;
    public const int HubGroupsUnavailable = 404;
    public const int HubRoomsJoined = 410;
    public const int HubRoomsJoinRefused = 411;
    public const int HubRoomsLeft = 412;
    public const int HubResumeUnavailable = 420;
    public const int CallRateRefused = 430;
    public const int TooManyConnections = 440;

    // History: 500–599.
    public const int Resumed = 501;
    public const int ResumeReload = 502;
    public const int AnnouncementHandlerFailed = 503;

    // Presence: 600–699.
    public const int PresenceStarted = 601;
    public const int PresenceInstanceExpired = 602;
    public const int PresenceInstanceJoined = 603;
    public const int PresenceInstanceGone = 604;
    public const int PresenceStateMissing = 605;
    public const int PresencePublishFailed = 606;
    public const int PresenceRoundFailed = 607;
    public const int PresenceReportUnreadable = 608;
    public const int PresenceRound = 609;
    public const int PresenceSendFailed = 610;

    // Connections: 700–799.
    public const int SlowConnectionClosing = 700;
    public const int ConnectionWriteFailed = 701;
    public const int HubSendsUnavailable = 702;
    public const int HubLifetimeUndoFailed = 703;

    // Membership: 800–899.
    public const int MembershipApplied = 801;
    public const int GroupRoomsMoved = 802;
    public const int GroupDeleted = 803;
    public const int GroupsBackfilled = 820;
    public const int GroupsBackfillFailed = 821;
    public const int GroupsBackfillNoToken = 822;
    public const int MembershipDriftCorrected = 830;
    public const int MembershipDriftGroupDeleted = 831;
    public const int MembershipSnapshotRequested = 832;
    public const int MembershipSnapshotRequestFailed = 833;

    // Backplane gap: 900–999.
    public const int BackplaneGap = 900;
    public const int BackplaneGapStarted = 901;

    // Root access under races: a departure documents-api has not applied, a revocation overtaking a check (330–339).
    public const int RootAccessCatchUpTimedOut = 330;
    public const int RootAccessRevokedDuringRecheck = 331;
    public const int ReadAccessNotYetApplied = 332;
    public const int HubRoomsJoinOvertaken = 333;
    public const int ReadAccessConfirmFailed = 334;
    public const int RootAccessRecheckThrottled = 335;
    public const int RootAccessRecheckThrottledGaveUp = 336;

    // Drain (rolling restarts): 1100–1199.
    public const int DrainStarted = 1101;
    public const int DrainConnectionsTold = 1102;
    public const int DrainDone = 1103;
    public const int DrainTimedOut = 1104;
    public const int DrainRefused = 1105;
    public const int DrainFailed = 1106;

    // Accounts (roles, sessions, token expiry): 1000–1099.
    public const int AccountRoleApplied = 1001;
    public const int AccountRoleMoved = 1002;
    public const int AccountSessionsEnded = 1003;
    public const int AccountSessionsClosed = 1004;
    public const int HubRefusedEndedSession = 1010;
    public const int HubRefusedExpiredToken = 1011;
    public const int TokenExpiredClosing = 1020;

    // Admins' replays to one connection or user: 1200–1299.
    public const int ReplaySent = 1200;
    public const int ReplayAnswersMissing = 1201;
}
