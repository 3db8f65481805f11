// name: repeat_999_callers
// title: Repeat 999 / blue-light callers
// description: People who called 999 (police, fire, ambulance) at least min_calls times within any
// description: 12-month window. Calls are counted per person, so a care home with many calls from
// description: different residents is not flagged. Calls logged under variants of one surname's caller name
// description: from one address are counted together (999 logs hold free-text caller names), and an index
// description: entry calling from two addresses joins them.
// category: detector
// roles: social_worker, analyst, ig_officer
// mode: read
// param: min_calls int = 5 | calls within 12 months needed to flag a caller
// param: limit int = 500 | most callers returned
// example: residex query repeat_999_callers -p min_calls=5
MATCH (r:Resident)-[:HAD_CONTACT]->(c:AgencyContact)
WHERE c.source_system = 'blue_light_callouts' AND c.source_system IN $access_sources AND c.contact_date IS NOT NULL
  AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
// One caller: 999 logs hold free-text caller names ('J Allen', 'Allen', 'Jess Allen') that the linkage often
// leaves as separate index entries, so entries with the same surname calling from the same address are one
// caller, and an entry calling from several addresses joins those groups together.
WITH c, r, CASE WHEN c.uprn IS NOT NULL AND r.last_name IS NOT NULL THEN c.uprn + '|' + r.last_name
                ELSE 'resident|' + r.resident_id END AS place
WITH r, collect([place, c]) AS placed, min(place) AS first_place
UNWIND placed AS pc
WITH pc[0] AS place, pc[1] AS c, r, first_place
WITH place, collect([c, r]) AS items, min(first_place) AS caller_key
UNWIND items AS it
WITH caller_key, it[0] AS c, it[1] AS r
WITH caller_key, c, r ORDER BY c.contact_date
WITH caller_key, collect(c) AS calls, collect(DISTINCT r) AS people
WHERE size(calls) >= $min_calls
// windows of min_calls consecutive calls whose last call is within a year of the first
WITH caller_key, people, calls,
     [i IN range(0, size(calls) - $min_calls)
      WHERE calls[i + $min_calls - 1].contact_date
            <= toString(toInteger(substring(calls[i].contact_date, 0, 4)) + 1) + substring(calls[i].contact_date, 4)
      | i] AS starts
WHERE size(starts) > 0
WITH caller_key, people, calls, calls[starts[0]] AS first, calls[starts[0] + $min_calls - 1] AS last,
     coalesce(head([p IN people WHERE size(coalesce(p.first_name, '')) > 1]), head(people)) AS r
WITH caller_key, people, calls, first, last, r, head([c IN calls WHERE c.uprn IS NOT NULL | c.uprn]) AS call_uprn
OPTIONAL MATCH (a:Address {uprn: call_uprn})
WITH caller_key, people, calls, first, last, r,
     CASE WHEN coalesce(a.protected, false) THEN null ELSE a END AS a
RETURN r.resident_id AS resident_id, a.uprn AS uprn,
       CASE WHEN $access_personal THEN r.full_name ELSE r.pseudonym END AS caller,
       CASE WHEN $access_personal THEN a.address_text ELSE coalesce(a.ward, r.ward) END AS address,
       coalesce(a.ward, r.ward) AS ward, size(calls) AS calls, [p IN people | p.resident_id] AS resident_ids,
       first.contact_date AS window_from, last.contact_date AS window_to,
       reduce(s = [], c IN calls | CASE WHEN c.agency IN s THEN s ELSE s + c.agency END) AS services,
       toString(size(calls)) + ' 999 calls in total, ' + toString($min_calls) + ' of them between '
         + first.contact_date + ' and ' + last.contact_date + ' (within 12 months)'
         + CASE WHEN size(people) > 1 THEN ', logged under ' + toString(size(people))
                + ' index entries (name variants of one surname at one address)' ELSE '' END + '.' AS reason,
       [c IN calls | {source_system: c.source_system, record_id: CASE WHEN $access_personal THEN c.record_id END, date: c.contact_date,
                      fact: coalesce(c.agency, '999') + ' call: ' + coalesce(c.contact_type, 'unknown')}] AS evidence
ORDER BY calls DESC, resident_id
LIMIT $limit
