// name: app_people
// title: Brief details of residents
// description: Name, date of birth and household of the given residents, for residents with a record
// description: in a source the session may see (used to label family and network views).
// category: app
// roles: fraud_investigator, social_worker, ig_officer
// mode: read
// param: resident_ids list | the residents
UNWIND $resident_ids AS rid
MATCH (r:Resident {resident_id: rid})
WITH r
WHERE $access_personal AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false)) AND any(s IN coalesce(r.sources, []) WHERE s IN $access_sources)
OPTIONAL MATCH (r)-[:MEMBER_OF]->(h:Household)
OPTIONAL MATCH (h)-[:OCCUPIES]->(a:Address)
RETURN r.resident_id AS resident_id, r.full_name AS name, r.dob AS dob, r.sex AS sex,
       coalesce(r.deceased, false) AS deceased,
       CASE WHEN a.protected THEN null ELSE h.household_id END AS household_id,
       CASE WHEN a.protected THEN null ELSE a.uprn END AS uprn,
       CASE WHEN a.protected THEN null ELSE a.address_text END AS address_text
