-- Notifications for processes sharing the database (notify.go): "flowdesk.<schema>.jobs" when a
-- job is scheduled or woken, "flowdesk.<schema>.changes" when what processes cache changes.
-- Statement triggers, and PostgreSQL sends one notification per channel and payload per
-- transaction at its commit: a batch of hundreds of steps sends one.
CREATE FUNCTION flowdesk_notify_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('flowdesk.' || current_schema() || '.jobs', '');
    RETURN NULL;
END $$;

CREATE FUNCTION flowdesk_notify_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('flowdesk.' || current_schema() || '.changes', TG_TABLE_NAME);
    RETURN NULL;
END $$;

-- A claim changes state and lease, not run_at: it wakes nobody.
CREATE TRIGGER jobs_notify AFTER INSERT OR UPDATE OF run_at ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION flowdesk_notify_jobs();

CREATE TRIGGER workflows_notify AFTER INSERT OR UPDATE OR DELETE ON workflows
    FOR EACH STATEMENT EXECUTE FUNCTION flowdesk_notify_changes();
CREATE TRIGGER lists_notify AFTER INSERT OR UPDATE OR DELETE ON lists
    FOR EACH STATEMENT EXECUTE FUNCTION flowdesk_notify_changes();
CREATE TRIGGER properties_notify AFTER INSERT OR UPDATE OR DELETE ON properties
    FOR EACH STATEMENT EXECUTE FUNCTION flowdesk_notify_changes();
CREATE TRIGGER object_types_notify AFTER INSERT OR UPDATE OR DELETE ON object_types
    FOR EACH STATEMENT EXECUTE FUNCTION flowdesk_notify_changes();
CREATE TRIGGER association_types_notify AFTER INSERT OR UPDATE OR DELETE ON association_types
    FOR EACH STATEMENT EXECUTE FUNCTION flowdesk_notify_changes();
