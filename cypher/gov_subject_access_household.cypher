// name: gov_subject_access_household
// title: Subject access: household
// description: The household the data subject belongs to, its dwelling (the subject's own current
// description: address) and the other members by name; members with a sealed record are left out.
// category: app
// roles: ig_officer
// mode: read
// restrictions: the subject access report: the subject may be sealed or opted out and must still be reported under the subject_access purpose; sealed relatives and others' protected addresses are withheld in the query itself
// param: resident_id string | the data subject
MATCH (r:Resident {resident_id: $resident_id})-[:MEMBER_OF]->(h:Household)
WHERE $access_personal AND ($access_sealed OR NOT coalesce(r.sealed, false))
OPTIONAL MATCH (h)-[:OCCUPIES]->(a:Address)
OPTIONAL MATCH (h)<-[:MEMBER_OF]-(m:Resident)
WHERE m.resident_id <> r.resident_id AND NOT coalesce(m.sealed, false)
  AND any(s IN coalesce(m.sources, []) WHERE s IN $access_sources)
RETURN h.household_id AS household_id, a.uprn AS uprn, a.address_text AS address_text, a.postcode AS postcode,
       a.ward AS ward, coalesce(a.protected, false) AS protected,
       collect({resident_id: m.resident_id, name: m.full_name}) AS members
