// name: app_resident_claims
// title: A resident's claims
// description: Discounts, exemptions, tenancies, school places and benefits claimed at a dwelling, from
// description: the source systems the session may see.
// category: app
// roles: fraud_investigator, social_worker, ig_officer
// mode: read
// param: resident_id string | the resident
MATCH (r:Resident {resident_id: $resident_id})
WITH r
MATCH (r)-[c:CLAIMS]->(a:Address)
WHERE $access_personal AND c.source_system IN $access_sources
RETURN c.claim_id AS claim_id, c.claim_type AS claim_type, c.from_date AS from_date, c.to_date AS to_date,
       c.source_system AS source_system, c.record_id AS record_id, a.uprn AS uprn,
       CASE WHEN a.protected THEN null ELSE a.address_text END AS address_text
ORDER BY from_date DESC
