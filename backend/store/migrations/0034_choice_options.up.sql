-- The built-in choice properties (lifecycle stage, lead status, deal stage, industry, ticket
-- priority and status) get HubSpot's standard options plus every value their records already
-- hold, so values sent before stay valid. The options are computed by the migration's Go step
-- (seedChoiceOptions, from store.BuiltinChoices, the one list); nothing changes in the schema.
SELECT 1;
