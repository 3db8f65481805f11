// name: gov_subject_access_claims
// title: Subject access: claims
// description: Discounts, exemptions, tenancies, school places and benefits the data subject claims or
// description: claimed at a dwelling, with the record behind each. Another person's protected address
// description: is withheld.
// category: app
// roles: ig_officer
// mode: read
// restrictions: the subject access report: the subject may be sealed or opted out and must still be reported under the subject_access purpose; sealed relatives and others' protected addresses are withheld in the query itself
// param: resident_id string | the data subject
MATCH (r:Resident {resident_id: $resident_id})
WHERE $access_personal AND ($access_sealed OR NOT coalesce(r.sealed, false))
OPTIONAL MATCH (r)-[cur:LIVES_AT]->(ca:Address)
WHERE cur.current
WITH r, [u IN collect(ca.uprn) + [r.uprn] WHERE u IS NOT NULL] AS own
MATCH (r)-[c:CLAIMS]->(a:Address)
WHERE c.source_system IN $access_sources
WITH c, a, coalesce(a.protected, false) AND NOT a.uprn IN own AS withheld
RETURN c.claim_id AS claim_id, c.claim_type AS claim_type, c.from_date AS from_date, c.to_date AS to_date,
       c.source_system AS source_system, c.record_id AS record_id,
       CASE WHEN withheld THEN null ELSE a.uprn END AS uprn,
       CASE WHEN withheld THEN null ELSE a.address_text END AS address_text,
       withheld AS address_withheld
ORDER BY from_date DESC, source_system, record_id
