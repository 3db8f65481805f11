// name: app_expand_address
// title: Neighbours of an address (network view)
// description: Residents placed at a dwelling or claiming there, and the household occupying it, each
// description: capped at $cap with the full count (a hostel or care home can hold hundreds), filtered by
// description: the source systems the session may see. The SELF row carries the dwelling's own properties.
// category: app
// roles: fraud_investigator, social_worker, ig_officer
// mode: read
// param: uprn string | the dwelling
// param: kinds list | node kinds the role may see (set by the web app from webapp/views.yaml)
// param: cap int = 25 | most items per kind of link
MATCH (a:Address {uprn: $uprn})
WITH a
MATCH (a)<-[l:LIVES_AT]-(r:Resident)
WHERE $access_personal AND l.source_system IN $access_sources AND NOT coalesce(a.protected, false) AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
OPTIONAL MATCH (sr:SourceRecord {record_key: l.source_system + ':' + l.record_id})
WITH l, r, sr.match_probability AS conf ORDER BY l.from_date DESC
WITH collect({rel: {type: 'LIVES_AT', out: false, from_date: l.from_date, to_date: l.to_date, current: l.current,
                    source_system: l.source_system, record_id: l.record_id, match_probability: conf},
              node: {label: 'Resident', key: r.resident_id, name: r.full_name, dob: r.dob,
                     deceased: coalesce(r.deceased, false)}}) AS items
RETURN 'LIVES_AT' AS part, items[..$cap] AS items, size(items) AS total
UNION ALL
MATCH (a:Address {uprn: $uprn})
WITH a
MATCH (a)<-[c:CLAIMS]-(r:Resident)
WHERE $access_personal AND c.source_system IN $access_sources AND NOT coalesce(a.protected, false) AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
OPTIONAL MATCH (sr:SourceRecord {record_key: c.source_system + ':' + c.record_id})
WITH c, r, sr.match_probability AS conf
WITH collect({rel: {type: 'CLAIMS', out: false, claim_type: c.claim_type, from_date: c.from_date,
                    to_date: c.to_date, source_system: c.source_system, record_id: c.record_id,
                    match_probability: conf},
              node: {label: 'Resident', key: r.resident_id, name: r.full_name, dob: r.dob,
                     deceased: coalesce(r.deceased, false)}}) AS items
RETURN 'CLAIMS' AS part, items[..$cap] AS items, size(items) AS total
UNION ALL
MATCH (a:Address {uprn: $uprn})
WITH a
MATCH (a)<-[:OCCUPIES]-(h:Household)
WHERE $access_personal AND 'Household' IN $kinds AND NOT coalesce(a.protected, false)
WITH collect({rel: {type: 'OCCUPIES', out: false},
              node: {label: 'Household', key: h.household_id,
                     size: size([(h)<-[:MEMBER_OF]-(m:Resident) WHERE any(x IN coalesce(m.sources, []) WHERE x IN $access_sources) AND ($access_sealed OR NOT coalesce(m.sealed, false)) AND ($access_opt_out OR NOT coalesce(m.opt_out, false)) | m.resident_id])}}) AS items
RETURN 'OCCUPIES' AS part, items[..$cap] AS items, size(items) AS total
UNION ALL
MATCH (a:Address {uprn: $uprn})
WHERE $access_personal AND NOT coalesce(a.protected, false)
RETURN 'SELF' AS part,
       [{rel: null, node: {label: 'Address', key: a.uprn,
                           address_text: CASE WHEN a.protected THEN null ELSE a.address_text END,
                           postcode: CASE WHEN a.protected THEN null ELSE a.postcode END, ward: a.ward,
                           protected: coalesce(a.protected, false)}}] AS items, 1 AS total
