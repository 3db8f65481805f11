// name: app_search
// title: Search residents by name
// description: Residents whose phonetic surname key (or the key of a double-barrelled surname's last part)
// description: matches, scored by forename key, forename initial, date of birth and postcode. Only
// description: residents with a record in a source the session may see, and only for sessions that may
// description: see names ($access_personal). Two index lookups joined by UNION; the caller merges and
// description: sorts by score.
// category: app
// roles: fraud_investigator, social_worker, ig_officer
// mode: read
// param: last_key string | phonetic surname key (graph/search_keys.py)
// param: first_key string = null | phonetic forename key; ranks, does not filter
// param: first_initial string = null | first letter of the forename; ranks, does not filter
// param: dob date = null | date of birth; ranks, does not filter
// param: postcode string = null | postcode, standardised (AB1 2CD); filters
// param: limit int = 50 | most rows from each lookup
MATCH (r:Resident {last_key: $last_key})
WITH r
WHERE $access_personal AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
  AND any(s IN coalesce(r.sources, []) WHERE s IN $access_sources)
OPTIONAL MATCH (home:Address {uprn: coalesce(r.uprn, '')})
WITH r, coalesce(home.protected, false) AS hidden_home
WHERE $postcode IS NULL OR (r.postcode = $postcode AND NOT hidden_home)
WITH r, hidden_home,
     (CASE WHEN $first_key IS NOT NULL AND r.first_key = $first_key THEN 4 ELSE 0 END)
     + (CASE WHEN $first_initial IS NOT NULL AND left(r.first_name, 1) = $first_initial THEN 1 ELSE 0 END)
     + (CASE WHEN $dob IS NOT NULL AND r.dob = $dob THEN 8 ELSE 0 END) AS score
ORDER BY score DESC, r.full_name
LIMIT $limit
RETURN r.resident_id AS resident_id, r.full_name AS name, r.dob AS dob, CASE WHEN hidden_home THEN null ELSE r.postcode END AS postcode,
       CASE WHEN hidden_home THEN null ELSE r.ward END AS ward, [s IN coalesce(r.sources, []) WHERE s IN $access_sources] AS sources, score
UNION ALL
MATCH (r:Resident {alt_last_key: $last_key})
WITH r
WHERE $access_personal AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
  AND any(s IN coalesce(r.sources, []) WHERE s IN $access_sources)
OPTIONAL MATCH (home:Address {uprn: coalesce(r.uprn, '')})
WITH r, coalesce(home.protected, false) AS hidden_home
WHERE $postcode IS NULL OR (r.postcode = $postcode AND NOT hidden_home)
WITH r, hidden_home,
     (CASE WHEN $first_key IS NOT NULL AND r.first_key = $first_key THEN 4 ELSE 0 END)
     + (CASE WHEN $first_initial IS NOT NULL AND left(r.first_name, 1) = $first_initial THEN 1 ELSE 0 END)
     + (CASE WHEN $dob IS NOT NULL AND r.dob = $dob THEN 8 ELSE 0 END) AS score
ORDER BY score DESC, r.full_name
LIMIT $limit
RETURN r.resident_id AS resident_id, r.full_name AS name, r.dob AS dob, CASE WHEN hidden_home THEN null ELSE r.postcode END AS postcode,
       CASE WHEN hidden_home THEN null ELSE r.ward END AS ward, [s IN coalesce(r.sources, []) WHERE s IN $access_sources] AS sources, score
