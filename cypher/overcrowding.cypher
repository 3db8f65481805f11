// name: overcrowding
// title: Overcrowded dwellings
// description: Dwellings (houses, flats and HMOs; care homes excluded) where more people live than the
// description: bedroom standard allows: residents > factor x bedrooms. A resident is counted when current
// description: registrations in visible sources put them at the dwelling and no other address has more
// description: current registrations for them (or as many, more recent ones).
// category: detector
// roles: analyst, social_worker, ig_officer
// mode: read
// param: factor float = 2.0 | flag when residents exceed this many per bedroom
// param: limit int = 500 | most dwellings returned (the most crowded first)
// example: residex query overcrowding -p factor=2
MATCH (a:Address)
WHERE a.bedrooms > 0 AND coalesce(a.registered_now, 2147483647) > $factor * a.bedrooms
  AND NOT coalesce(a.protected, false) AND coalesce(a.property_type, '') <> 'Care home'
// registered_now (set at load time) counts the residents registered there now in any source: no session can
// count more, so only the dwellings over the standard on that count are counted here (a graph loaded
// without it counts every dwelling)
MATCH (m:Resident)-[l:LIVES_AT]->(a)
WHERE l.current AND l.source_system IN $access_sources
WITH a, count(DISTINCT m) AS registered
WHERE registered > $factor * a.bedrooms
MATCH (m:Resident)-[l:LIVES_AT]->(a)
WHERE l.current AND l.source_system IN $access_sources AND coalesce(m.deceased, false) = false
  AND ($access_sealed OR NOT coalesce(m.sealed, false)) AND ($access_opt_out OR NOT coalesce(m.opt_out, false))
WITH a, m, count(DISTINCT l.source_system) AS here, max(l.from_date) AS here_from,
     collect({source_system: l.source_system, record_id: l.record_id, date: l.from_date,
              fact: (CASE WHEN $access_personal THEN m.full_name ELSE m.pseudonym END)
                    + ' registered at the dwelling'}) AS ev
// lives here rather than elsewhere: no other address with more current registrations (or as many, later)
OPTIONAL MATCH (m)-[l2:LIVES_AT]->(b2:Address)
WHERE l2.current AND b2.uprn <> a.uprn AND l2.source_system IN $access_sources
WITH a, m, here, here_from, ev, b2, count(DISTINCT l2.source_system) AS there, max(l2.from_date) AS there_from
WITH a, m, here, here_from, ev, collect(CASE WHEN b2 IS NULL THEN null ELSE [there, there_from] END) AS elsewhere
WHERE all(x IN elsewhere WHERE x[0] < here OR (x[0] = here AND x[1] <= here_from))
// one person may hold several index entries (a record the linkage could not join): entries with the same
// surname and initial count once per distinct date of birth (twins and namesakes with a DOB stay apart)
WITH a, coalesce(m.last_name, m.resident_id) + '|' + substring(coalesce(m.first_name, ''), 0, 1) AS person_key,
     collect(m) AS ms, collect(ev) AS evs
WITH a, person_key, ms, evs,
     size(reduce(d = [], x IN ms | CASE WHEN x.dob IS NULL OR x.dob IN d THEN d ELSE d + x.dob END)) AS dobs
WITH a, sum(CASE WHEN dobs = 0 THEN 1 ELSE dobs END) AS residents, collect(ms) AS mss, collect(evs) AS evss,
     sum(size(ms)) AS entries
WHERE residents > $factor * a.bedrooms
WITH a, residents, entries, reduce(r = [], x IN mss | r + [y IN x | y.resident_id]) AS resident_ids,
     reduce(e = [], x IN evss | e + reduce(f = [], y IN x | f + y)) AS evidence
RETURN a.uprn AS uprn, resident_ids[0] AS resident_id,
       CASE WHEN $access_personal THEN a.address_text ELSE a.ward END AS address, a.ward AS ward,
       a.property_type AS property_type, a.bedrooms AS bedrooms, residents, entries AS index_entries, resident_ids,
       toString(residents) + ' people live at this ' + toLower(coalesce(a.property_type, 'dwelling'))
         + ' with ' + toString(a.bedrooms) + ' bedroom(s); the standard used allows at most '
         + toString(toInteger(floor($factor * a.bedrooms)))
         + CASE WHEN entries > residents THEN ' (' + toString(entries) + ' index entries, some probably the same person)'
                ELSE '' END + '.' AS reason,
       evidence
ORDER BY residents DESC, uprn
LIMIT $limit
