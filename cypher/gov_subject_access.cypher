// name: gov_subject_access
// title: Subject access: golden record
// description: The golden record of one resident with every field's provenance, its governance flags
// description: and the dwellings it currently lives at (used to tell its own protected address from
// description: other people's). Information-governance officers only (subject access requests).
// category: app
// roles: ig_officer
// mode: read
// restrictions: the subject access report: the subject may be sealed or opted out and must still be reported under the subject_access purpose; sealed relatives and others' protected addresses are withheld in the query itself
// param: resident_id string | the data subject
MATCH (r:Resident {resident_id: $resident_id})
WHERE $access_personal AND ($access_sealed OR NOT coalesce(r.sealed, false))
OPTIONAL MATCH (r)-[cur:LIVES_AT]->(ca:Address)
WHERE cur.current
WITH r, collect(DISTINCT ca) AS cur_addr
OPTIONAL MATCH (home:Address {uprn: r.uprn})
RETURN r.resident_id AS resident_id, r.first_name AS first_name, r.last_name AS last_name,
       r.full_name AS full_name, r.dob AS dob, r.sex AS sex, r.nhs_number AS nhs_number,
       r.ni_number AS ni_number, r.postcode AS postcode, r.uprn AS uprn, home.address_text AS address_text,
       r.ward AS ward, coalesce(home.protected, false) OR any(a IN cur_addr WHERE coalesce(a.protected, false))
         AS address_protected, r.pseudonym AS pseudonym,
       r.n_records AS n_records, [s IN coalesce(r.sources, []) WHERE s IN $access_sources] AS sources,
       size([s IN coalesce(r.sources, []) WHERE NOT s IN $access_sources]) AS hidden_sources,
       CASE WHEN all(s IN coalesce(r.sources, []) WHERE s IN $access_sources) THEN r.provenance
            ELSE null END AS provenance,
       coalesce(r.opt_out, false) AS opt_out, coalesce(r.sealed, false) AS sealed,
       coalesce(r.deceased, false) AS deceased, [a IN cur_addr | a.uprn] AS current_uprns
