// name: app_search_attrs
// title: Search residents by date of birth and/or postcode
// description: Residents with this postcode (and date of birth, if given), or with this date of birth when
// description: no postcode is given; only residents with a record in a source the session may see, and
// description: only for sessions that may see names.
// category: app
// roles: fraud_investigator, social_worker, ig_officer
// mode: read
// param: dob date = null | date of birth
// param: postcode string = null | postcode, standardised (AB1 2CD)
// param: limit int = 50 | most rows returned
MATCH (r:Resident {postcode: $postcode})
WITH r
WHERE $access_personal AND ($dob IS NULL OR r.dob = $dob) AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
  AND any(s IN coalesce(r.sources, []) WHERE s IN $access_sources)
OPTIONAL MATCH (home:Address {uprn: coalesce(r.uprn, '')})
WITH r, coalesce(home.protected, false) AS hidden_home
WHERE NOT hidden_home
WITH r, hidden_home ORDER BY r.full_name LIMIT $limit
RETURN r.resident_id AS resident_id, r.full_name AS name, r.dob AS dob, CASE WHEN hidden_home THEN null ELSE r.postcode END AS postcode,
       CASE WHEN hidden_home THEN null ELSE r.ward END AS ward, [s IN coalesce(r.sources, []) WHERE s IN $access_sources] AS sources, 0 AS score
UNION ALL
MATCH (r:Resident {dob: $dob})
WITH r
WHERE $access_personal AND $postcode IS NULL AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
  AND any(s IN coalesce(r.sources, []) WHERE s IN $access_sources)
OPTIONAL MATCH (home:Address {uprn: coalesce(r.uprn, '')})
WITH r, coalesce(home.protected, false) AS hidden_home
WITH r, hidden_home ORDER BY r.full_name LIMIT $limit
RETURN r.resident_id AS resident_id, r.full_name AS name, r.dob AS dob, CASE WHEN hidden_home THEN null ELSE r.postcode END AS postcode,
       CASE WHEN hidden_home THEN null ELSE r.ward END AS ward, [s IN coalesce(r.sources, []) WHERE s IN $access_sources] AS sources, 0 AS score
