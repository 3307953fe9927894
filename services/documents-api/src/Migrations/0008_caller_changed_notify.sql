-- Every change of what the session check reads about a caller (users.is_admin, session_epochs) sends
-- NOTIFY roomcast_caller_changed with the user's id at its commit, whichever code or tool wrote it;
-- a TRUNCATE sends '*'. Every documents-api instance listens and forgets what it remembered of that
-- caller (Projection/CallerChangeListener), so a remembered caller is never served past the commit
-- that changed it by more than the notification's own delivery. The triggers fire ALWAYS, so a
-- replica-mode session (logical replication's apply, pg_restore --disable-triggers) is heard too.
CREATE FUNCTION notify_caller_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('roomcast_caller_changed', '*');
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('roomcast_caller_changed', (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END)::text);
        IF TG_OP = 'UPDATE' AND OLD.id <> NEW.id THEN
            PERFORM pg_notify('roomcast_caller_changed', OLD.id::text);
        END IF;
    ELSE
        PERFORM pg_notify('roomcast_caller_changed', (CASE WHEN TG_OP = 'DELETE' THEN OLD.user_id ELSE NEW.user_id END)::text);
        IF TG_OP = 'UPDATE' AND OLD.user_id <> NEW.user_id THEN
            PERFORM pg_notify('roomcast_caller_changed', OLD.user_id::text);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_caller_changed AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION notify_caller_changed();
CREATE TRIGGER users_caller_truncated AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_caller_changed();
CREATE TRIGGER session_epochs_caller_changed AFTER INSERT OR UPDATE OR DELETE ON session_epochs
    FOR EACH ROW EXECUTE FUNCTION notify_caller_changed();
CREATE TRIGGER session_epochs_caller_truncated AFTER TRUNCATE ON session_epochs
    FOR EACH STATEMENT EXECUTE FUNCTION notify_caller_changed();
ALTER TABLE users ENABLE ALWAYS TRIGGER users_caller_changed;
ALTER TABLE users ENABLE ALWAYS TRIGGER users_caller_truncated;
ALTER TABLE session_epochs ENABLE ALWAYS TRIGGER session_epochs_caller_changed;
ALTER TABLE session_epochs ENABLE ALWAYS TRIGGER session_epochs_caller_truncated;
