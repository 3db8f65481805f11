// name: app_resident_addresses
// title: A resident's addresses over time
// description: Each dwelling a visible source system places the resident at, with dates; a protected
// description: address (refuge) shows as protected, never its text.
// category: app
// roles: fraud_investigator, social_worker, ig_officer
// mode: read
// param: resident_id string | the resident
MATCH (r:Resident {resident_id: $resident_id})
WITH r
MATCH (r)-[l:LIVES_AT]->(a:Address)
WHERE $access_personal AND l.source_system IN $access_sources AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
  AND NOT (coalesce(a.protected, false) AND NOT (a.uprn = coalesce(r.uprn, '') OR coalesce(l.current, false)))
RETURN a.uprn AS uprn, CASE WHEN a.protected THEN null ELSE a.address_text END AS address_text,
       CASE WHEN a.protected THEN null ELSE a.postcode END AS postcode, a.ward AS ward,
       coalesce(a.protected, false) AS protected, l.from_date AS from_date, l.to_date AS to_date,
       l.current AS current, l.source_system AS source_system, l.record_id AS record_id
ORDER BY from_date DESC, source_system
