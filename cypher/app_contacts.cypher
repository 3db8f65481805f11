// name: app_contacts
// title: Agency contacts of residents since a date
// description: Contact events (police, referrals, call-outs, cases) of the given residents since a date,
// description: from the source systems the session may see; feeds the timeline.
// category: app
// roles: fraud_investigator, social_worker, ig_officer
// mode: read
// param: resident_ids list | the residents
// param: since date | earliest contact date
UNWIND $resident_ids AS rid
MATCH (r:Resident {resident_id: rid})
WITH r
MATCH (r)-[:HAD_CONTACT]->(c:AgencyContact)
WHERE $access_personal AND c.source_system IN $access_sources AND c.contact_date >= $since
RETURN r.resident_id AS resident_id, r.full_name AS name, c.contact_id AS contact_id, c.agency AS agency,
       c.contact_type AS contact_type, c.contact_date AS contact_date, c.source_system AS source_system,
       c.record_id AS record_id
ORDER BY contact_date, agency
