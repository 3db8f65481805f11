// name: gov_subject_access_contacts
// title: Subject access: agency contacts
// description: Every contact event of the data subject with an agency (police, referrals, call-outs,
// description: cases, registrations), with its record. The place of a contact at another person's
// description: protected address is withheld.
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
MATCH (r)-[:HAD_CONTACT]->(c:AgencyContact)
WHERE c.source_system IN $access_sources
OPTIONAL MATCH (a:Address {uprn: c.uprn})
WITH c, coalesce(a.protected, false) AND NOT a.uprn IN own AS withheld
RETURN c.contact_id AS contact_id, c.agency AS agency, c.contact_type AS contact_type,
       c.contact_date AS contact_date, c.source_system AS source_system, c.record_id AS record_id,
       CASE WHEN withheld THEN null ELSE c.uprn END AS uprn, withheld AS address_withheld
ORDER BY contact_date, source_system, record_id
