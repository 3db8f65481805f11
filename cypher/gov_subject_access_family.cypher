// name: gov_subject_access_family
// title: Subject access: family links
// description: The data subject's direct parent, partner and sibling links with the record evidencing
// description: each. Relatives are named but never located (no address, postcode or ward); links to a
// description: sealed record (e.g. adoption) are left out and only counted by gov_subject_access_withheld.
// category: app
// roles: ig_officer
// mode: read
// restrictions: the subject access report: the subject may be sealed or opted out and must still be reported under the subject_access purpose; sealed relatives and others' protected addresses are withheld in the query itself
// param: resident_id string | the data subject
MATCH (r:Resident {resident_id: $resident_id})
WHERE $access_personal AND ($access_sealed OR NOT coalesce(r.sealed, false))
MATCH (r)-[f:PARENT_OF|PARTNER_OF|SIBLING_OF]-(o:Resident)
WHERE f.source_system IN $access_sources AND NOT coalesce(o.sealed, false)
RETURN type(f) AS type, startNode(f).resident_id = r.resident_id AS subject_is_from,
       o.resident_id AS relative_id, o.full_name AS relative_name,
       f.source_system AS source_system, f.record_id AS record_id
ORDER BY type, relative_id, source_system, record_id
