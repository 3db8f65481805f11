// name: app_pseudonym_contacts
// title: A pseudonymised person's agency contacts
// description: Agency contacts by agency, type and date, from visible source systems; no record ID or address.
// category: app
// roles: analyst, ig_officer
// mode: read
// param: pseudonym string | the keyed pseudonym
MATCH (r:Resident {pseudonym: $pseudonym})
WHERE any(s IN coalesce(r.sources, []) WHERE s IN $access_sources)
  AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
MATCH (r)-[:HAD_CONTACT]->(c:AgencyContact)
WHERE c.source_system IN $access_sources
RETURN c.agency AS agency, c.contact_type AS contact_type, c.contact_date AS contact_date,
       c.source_system AS source_system
ORDER BY contact_date DESC, agency
