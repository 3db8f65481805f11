// name: app_search_record
// title: Find a resident by source record ID
// description: The resident a source system's record ID resolves to, for source systems the session may see.
// category: app
// roles: fraud_investigator, social_worker, ig_officer
// mode: read
// param: record_id string | the record's ID in its line-of-business system
UNWIND $access_sources AS source
// record keys are 'source_system:record_id' (unique, indexed): one lookup per source the session may see
MATCH (sr:SourceRecord {record_key: source + ':' + $record_id})
WITH sr
MATCH (sr)-[:RESOLVES_TO]->(r:Resident)
WHERE $access_personal AND sr.source_system IN $access_sources AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
OPTIONAL MATCH (home:Address {uprn: coalesce(r.uprn, '')})
WITH sr, r, coalesce(home.protected, false) AS hidden_home
RETURN r.resident_id AS resident_id, r.full_name AS name, r.dob AS dob, CASE WHEN hidden_home THEN null ELSE r.postcode END AS postcode,
       CASE WHEN hidden_home THEN null ELSE r.ward END AS ward, [s IN coalesce(r.sources, []) WHERE s IN $access_sources] AS sources,
       sr.source_system AS matched_source, 100 AS score
ORDER BY name
LIMIT 50
