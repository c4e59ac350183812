-- The contact, deal and company built-in choice properties (lifecycle stage, lead status, deal
-- stage, industry) get HubSpot's standard options plus every value their records already hold,
-- as ticket priority and status did in 0014: they are Seeded now. The Go step is 0014's
-- (seedChoiceOptions); it fills only properties without options, so on a database 0014 seeded
-- them in already (a fresh one) it changes nothing. Nothing changes in the schema.
SELECT 1;
