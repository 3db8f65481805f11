// name: app_pseudonym_claims
// title: A pseudonymised person's claims
// description: Claims by type and date with the ward of the dwelling, from visible source systems; no claim
// description: ID, record ID or address. The ward of a protected address is withheld.
// category: app
// roles: analyst, ig_officer
// mode: read
// param: pseudonym string | the keyed pseudonym
MATCH (r:Resident {pseudonym: $pseudonym})
WHERE any(s IN coalesce(r.sources, []) WHERE s IN $access_sources)
  AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
MATCH (r)-[c:CLAIMS]->(a:Address)
WHERE c.source_system IN $access_sources
RETURN c.claim_type AS claim_type, c.from_date AS from_date, c.to_date AS to_date,
       c.source_system AS source_system, CASE WHEN coalesce(a.protected, false) THEN null ELSE a.ward END AS ward
ORDER BY from_date DESC, claim_type
