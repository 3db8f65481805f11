// name: app_search
// title: Search residents
// description: Residents found by phonetic surname and forename keys, date of birth and/or postcode,
// description: best matches first. Only residents with a record in a source the session may see, and
// description: only for sessions that may see names ($access_personal).
// category: app
// roles: fraud_investigator, social_worker, ig_officer
// mode: read
// param: last_key string = null | phonetic surname key (graph/search_keys.py)
// param: first_key string = null | phonetic forename key; ranks, does not filter
// param: first_initial string = null | first letter of the forename; ranks, does not filter
// param: dob date = null | date of birth
// param: postcode string = null | postcode, standardised (AB1 2CD)
// param: limit int = 50 | most rows returned
MATCH (r:Resident)
WHERE $access_personal
  AND ($last_key IS NULL OR r.last_key = $last_key OR r.alt_last_key = $last_key)
  AND ($dob IS NULL OR r.dob = $dob OR $last_key IS NOT NULL)
  AND ($postcode IS NULL OR r.postcode = $postcode)
  AND any(s IN coalesce(r.sources, []) WHERE s IN $access_sources)
WITH r,
     (CASE WHEN $first_key IS NOT NULL AND r.first_key = $first_key THEN 4 ELSE 0 END)
     + (CASE WHEN $first_initial IS NOT NULL AND left(r.first_name, 1) = $first_initial THEN 1 ELSE 0 END)
     + (CASE WHEN $dob IS NOT NULL AND r.dob = $dob THEN 8 ELSE 0 END) AS score
RETURN r.resident_id AS resident_id, r.full_name AS name, r.dob AS dob, r.postcode AS postcode,
       r.ward AS ward, [s IN coalesce(r.sources, []) WHERE s IN $access_sources] AS sources, score
ORDER BY score DESC, name, resident_id
LIMIT $limit
