// name: gov_subject_access_withheld
// title: Subject access: what was withheld
// description: Counts, for the IG officer's review, of what the subject access report leaves out to
// description: protect other people: family links to and household members with a sealed record.
// category: app
// roles: ig_officer
// mode: read
// restrictions: the subject access report: the subject may be sealed or opted out and must still be reported under the subject_access purpose; sealed relatives and others' protected addresses are withheld in the query itself
// param: resident_id string | the data subject
MATCH (r:Resident {resident_id: $resident_id})
WHERE $access_personal AND ($access_sealed OR NOT coalesce(r.sealed, false))
OPTIONAL MATCH (r)-[f:PARENT_OF|PARTNER_OF|SIBLING_OF]-(o:Resident)
WHERE coalesce(o.sealed, false) AND f.source_system IN $access_sources
WITH r, count(DISTINCT f) AS sealed_family_links
OPTIONAL MATCH (r)-[:MEMBER_OF]->(:Household)<-[:MEMBER_OF]-(m:Resident)
WHERE coalesce(m.sealed, false) AND m.resident_id <> r.resident_id
RETURN sealed_family_links, count(DISTINCT m) AS sealed_household_members
