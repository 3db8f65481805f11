// name: app_resident_records
// title: Source records linked to a resident
// description: The line-of-business records that resolve to a resident, with match confidence, for the
// description: source systems the session may see.
// category: app
// roles: fraud_investigator, social_worker, ig_officer
// mode: read
// param: resident_id string | the resident
MATCH (r:Resident {resident_id: $resident_id})
WITH r
OPTIONAL MATCH (r)-[cur:LIVES_AT]->(ca:Address)
WHERE cur.current
WITH r, collect(ca.uprn) + [coalesce(r.uprn, '')] AS own
MATCH (r)<-[m:RESOLVES_TO]-(sr:SourceRecord)
WHERE $access_personal AND sr.source_system IN $access_sources AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
// a record placing the person at another person's protected address (refuge) shows no address
OPTIONAL MATCH (pa:Address {uprn: coalesce(sr.uprn, '')})
WITH r, m, sr, coalesce(pa.protected, false) AND NOT pa.uprn IN own AS withheld
RETURN sr.record_key AS record_key, sr.source_system AS source_system, sr.record_id AS record_id,
       coalesce(m.match_probability, sr.match_probability) AS match_probability,
       sr.first_name AS first_name, sr.last_name AS last_name, sr.dob AS dob, CASE WHEN withheld THEN null ELSE sr.postcode END AS postcode,
       CASE WHEN withheld THEN null ELSE sr.address_text END AS address_text,
       CASE WHEN withheld THEN null ELSE sr.uprn END AS uprn, withheld AS address_withheld, sr.record_date AS record_date
ORDER BY source_system, record_id
