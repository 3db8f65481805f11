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
MATCH (r)<-[m:RESOLVES_TO]-(sr:SourceRecord)
WHERE $access_personal AND sr.source_system IN $access_sources
RETURN sr.record_key AS record_key, sr.source_system AS source_system, sr.record_id AS record_id,
       coalesce(m.match_probability, sr.match_probability) AS match_probability,
       sr.first_name AS first_name, sr.last_name AS last_name, sr.dob AS dob, sr.postcode AS postcode,
       sr.address_text AS address_text, sr.uprn AS uprn, sr.record_date AS record_date
ORDER BY source_system, record_id
