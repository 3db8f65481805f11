// name: app_reidentify
// title: Re-identify a pseudonym
// description: The resident behind one keyed pseudonym, for a role allowed to re-identify (with a written
// description: justification recorded by the web app). Only a resident held in a source system the session
// description: may see, not sealed and not opted out for this session, is found; anything else is "not found".
// category: app
// roles: fraud_investigator, social_worker, ig_officer
// mode: read
// param: pseudonym string | the keyed pseudonym
MATCH (r:Resident {pseudonym: $pseudonym})
WHERE $access_personal AND any(s IN coalesce(r.sources, []) WHERE s IN $access_sources)
  AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
RETURN r.resident_id AS resident_id, r.pseudonym AS pseudonym
