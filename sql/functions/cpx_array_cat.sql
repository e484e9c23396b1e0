-- cpx_array_cat (an aggregate): concatenates bigint[] across rows (a blended contributor's quote ids).
-- DESIGN §3.6 (the quotes behind a representative) and §4 (each revision keeps the ids of its quotes).
--
-- Concatenates arrays across rows (the quote ids behind a blend's segments).
create or replace aggregate cpx_array_cat (bigint[]) (sfunc = array_cat, stype = bigint[], initcond = '{}');
