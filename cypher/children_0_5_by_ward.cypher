// name: children_0_5_by_ward
// title: Children aged 0-5 by ward
// description: A de-personalised count of children aged 0 to 5 living in each ward, for service planning.
// description: A child is counted when a visible source registers them at a dwelling now and no later
// description: registration puts them elsewhere; a child with two such dwellings counts once, in the ward
// description: of the most recent registration (then the first ward by name). Counts below
// description: suppress_below are withheld (shown as null with suppressed = true) so that small numbers
// description: cannot identify a family.
// category: question
// roles: analyst, social_worker, ig_officer, fraud_investigator
// mode: read
// restrictions: a ward count: children at a protected dwelling are counted in their ward total, never broken out; sealed and opted-out children are filtered with $access_sealed and $access_opt_out
// param: suppress_below int = 5 | counts under this are withheld
// example: residex query children_0_5_by_ward
WITH toString(toInteger(substring($today, 0, 4)) - 6) + substring($today, 4) AS born_after
MATCH (k:Resident)-[l:LIVES_AT]->(a:Address)
WHERE k.dob > born_after AND k.dob <= $today AND l.current AND l.source_system IN $access_sources
  AND coalesce(k.deceased, false) = false AND ($access_sealed OR NOT coalesce(k.sealed, false)) AND ($access_opt_out OR NOT coalesce(k.opt_out, false))
// where the child lives now: no later current registration elsewhere (superseded_by, graph/tenure.py)
WITH k, a, l
WHERE none(x IN coalesce(l.superseded_by, []) WHERE x IN $access_sources)
WITH k, collect({ward: coalesce(a.ward, 'Unknown'), since: coalesce(l.from_date, '')}) AS homes
WITH k, reduce(b = head(homes), h IN homes |
       CASE WHEN h.since > b.since OR (h.since = b.since AND h.ward < b.ward) THEN h ELSE b END).ward AS ward
WITH ward, count(k) AS n
RETURN ward, CASE WHEN n < $suppress_below THEN null ELSE n END AS children_0_5, n < $suppress_below AS suppressed,
       CASE WHEN n < $suppress_below THEN 'Fewer than ' + toString($suppress_below) + ' children aged 0-5 in ' + ward
            ELSE toString(n) + ' children aged 0-5 live in ' + ward END + '.' AS reason,
       [] AS evidence
ORDER BY ward
