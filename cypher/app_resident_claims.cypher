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
// the dwellings the person lives at now: their own protected address may be shown to them
OPTIONAL MATCH (r)-[cur:LIVES_AT]->(ca:Address)
WHERE cur.current
WITH r, collect(ca.uprn) + [coalesce(r.uprn, '')] AS own
MATCH (r)-[c:CLAIMS]->(a:Address)
WHERE $access_personal AND c.source_system IN $access_sources AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
  AND NOT (coalesce(a.protected, false) AND NOT a.uprn IN own)
RETURN c.claim_id AS claim_id, c.claim_type AS claim_type, c.from_date AS from_date, c.to_date AS to_date,
       c.source_system AS source_system, c.record_id AS record_id, a.uprn AS uprn,
       CASE WHEN a.protected THEN null ELSE a.address_text END AS address_text
ORDER BY from_date DESC
