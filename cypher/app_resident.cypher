// name: app_resident
// title: Resident golden record
// description: One resident's golden record. Identifiers show only with the source system they come
// description: from (NHS number: GP registration; NI number: DWP or housing benefit); the full provenance
// description: only when every source of this resident is visible to the session.
// category: app
// roles: fraud_investigator, social_worker, ig_officer
// mode: read
// param: resident_id string | the resident
MATCH (r:Resident {resident_id: $resident_id})
WHERE $access_personal AND any(s IN coalesce(r.sources, []) WHERE s IN $access_sources)
RETURN r.resident_id AS resident_id, r.first_name AS first_name, r.last_name AS last_name,
       r.full_name AS full_name, r.dob AS dob, r.sex AS sex,
       CASE WHEN 'gp_registration' IN $access_sources THEN r.nhs_number ELSE null END AS nhs_number,
       CASE WHEN 'dwp_benefits' IN $access_sources OR 'housing_benefit' IN $access_sources
            THEN r.ni_number ELSE null END AS ni_number,
       r.postcode AS postcode, r.uprn AS uprn, r.ward AS ward, r.n_records AS n_records,
       [s IN coalesce(r.sources, []) WHERE s IN $access_sources] AS sources,
       size([s IN coalesce(r.sources, []) WHERE NOT s IN $access_sources]) AS hidden_sources,
       CASE WHEN all(s IN coalesce(r.sources, []) WHERE s IN $access_sources) THEN r.provenance
            ELSE null END AS provenance,
       r.opt_out AS opt_out, r.sealed AS sealed, r.deceased AS deceased
