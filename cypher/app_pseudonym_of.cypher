// name: app_pseudonym_of
// title: Pseudonyms of residents
// description: The keyed pseudonym of each given resident the session may see, so a pseudonymised results
// description: table can show pseudonyms where a query returned a resident ID (the ID itself is not shown).
// category: app
// roles: analyst, ig_officer
// mode: read
// param: resident_ids list | the residents
UNWIND $resident_ids AS rid
MATCH (r:Resident {resident_id: rid})
WHERE any(s IN coalesce(r.sources, []) WHERE s IN $access_sources)
  AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
RETURN r.resident_id AS resident_id, r.pseudonym AS pseudonym
