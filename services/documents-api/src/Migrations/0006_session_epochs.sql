-- identity's session epoch of each user, from UserSessionsEnded: an access token whose session_epoch
-- claim is below its user's epoch here is no longer honoured. Apart from the users table, so an
-- epoch heard before the user's record does not make the user look known.
CREATE TABLE session_epochs (
    user_id uuid PRIMARY KEY,
    epoch   bigint NOT NULL
);
