// name: app_resident_household
// title: A resident's household
// description: The household the resident belongs to, its dwelling and the members who have a record in
// description: a source the session may see.
// category: app
// roles: fraud_investigator, social_worker, ig_officer
// mode: read
// param: resident_id string | the resident
MATCH (r:Resident {resident_id: $resident_id})
WITH r
MATCH (r)-[:MEMBER_OF]->(h:Household)
WHERE $access_personal AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
OPTIONAL MATCH (h)-[:OCCUPIES]->(a:Address)
OPTIONAL MATCH (h)<-[:MEMBER_OF]-(m:Resident)
WHERE any(s IN coalesce(m.sources, []) WHERE s IN $access_sources) AND ($access_sealed OR NOT coalesce(m.sealed, false)) AND ($access_opt_out OR NOT coalesce(m.opt_out, false))
RETURN h.household_id AS household_id,
       a.uprn AS uprn, CASE WHEN a.protected THEN null ELSE a.address_text END AS address_text,
       collect({resident_id: m.resident_id, name: m.full_name, dob: m.dob, sex: m.sex}) AS members
