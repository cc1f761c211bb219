-- Reserved: version 9 is the retention migration, which lands from its
-- own branch. This placeholder keeps the versions without a gap until
-- then and is removed when that migration arrives.
SELECT 1;
