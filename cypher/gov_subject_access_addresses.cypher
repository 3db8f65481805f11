// name: gov_subject_access_addresses
// title: Subject access: addresses over time
// description: Each dwelling a source system places the data subject at, with dates and the record that
// description: says so. Another person's protected address (refuge) is withheld: no UPRN, text,
// description: postcode or ward, only that an address was withheld and the record behind it.
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
MATCH (r)-[l:LIVES_AT]->(a:Address)
WHERE l.source_system IN $access_sources
WITH l, a, coalesce(a.protected, false) AND NOT a.uprn IN own AS withheld
RETURN CASE WHEN withheld THEN null ELSE a.uprn END AS uprn,
       CASE WHEN withheld THEN null ELSE a.address_text END AS address_text,
       CASE WHEN withheld THEN null ELSE a.postcode END AS postcode,
       CASE WHEN withheld THEN null ELSE a.ward END AS ward,
       coalesce(a.protected, false) AND NOT withheld AS protected, withheld AS address_withheld,
       l.from_date AS from_date, l.to_date AS to_date, l.current AS current,
       l.source_system AS source_system, l.record_id AS record_id
ORDER BY from_date DESC, source_system, record_id
