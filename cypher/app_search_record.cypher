// name: app_search_record
// title: Find a resident by source record ID
// description: The resident a source system's record ID resolves to, for source systems the session may see.
// category: app
// roles: fraud_investigator, social_worker, ig_officer
// mode: read
// param: record_id string | the record's ID in its line-of-business system
MATCH (sr:SourceRecord {record_id: $record_id})
WITH sr
MATCH (sr)-[:RESOLVES_TO]->(r:Resident)
WHERE $access_personal AND sr.source_system IN $access_sources
RETURN r.resident_id AS resident_id, r.full_name AS name, r.dob AS dob, r.postcode AS postcode,
       r.ward AS ward, [s IN coalesce(r.sources, []) WHERE s IN $access_sources] AS sources,
       sr.source_system AS matched_source, 100 AS score
ORDER BY name
LIMIT 50
