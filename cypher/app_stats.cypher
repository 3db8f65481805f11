// name: app_stats
// title: Borough aggregates
// description: Counts only, never a person: residents per ward, records per source system and agency
// description: contacts per agency and year, for the source systems the session may see. Counts under 5
// description: are suppressed (returned as null) so that small cells cannot identify anyone.
// category: app
// roles: analyst, ig_officer, fraud_investigator, social_worker
// mode: read
MATCH (r:Resident)
WHERE ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false)) AND any(s IN coalesce(r.sources, []) WHERE s IN $access_sources)
WITH coalesce(r.ward, 'unknown') AS k, count(*) AS n
RETURN 'residents_by_ward' AS measure, k AS key, '' AS sub, CASE WHEN n < 5 THEN null ELSE n END AS n
UNION ALL
MATCH (sr:SourceRecord)-[:RESOLVES_TO]->(r:Resident)
WHERE sr.source_system IN $access_sources AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
WITH sr.source_system AS k, count(*) AS n
RETURN 'records_by_source' AS measure, k AS key, '' AS sub, CASE WHEN n < 5 THEN null ELSE n END AS n
UNION ALL
MATCH (r:Resident)-[:HAD_CONTACT]->(c:AgencyContact)
WHERE c.source_system IN $access_sources AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
WITH c.agency AS k, left(c.contact_date, 4) AS sub, count(*) AS n
RETURN 'contacts_by_agency_year' AS measure, k AS key, sub, CASE WHEN n < 5 THEN null ELSE n END AS n
