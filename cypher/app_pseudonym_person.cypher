// name: app_pseudonym_person
// title: A pseudonymised person
// description: What a pseudonymised person page shows of one keyed pseudonym: ward, birth year (shown as
// description: an age band), sex, the visible source systems and household size. No name, date of birth,
// description: address, postcode, UPRN, record key or resident ID. The ward is withheld when the person
// description: lives at a protected (refuge) address. Sealed and opted-out residents follow the session.
// category: app
// roles: analyst, ig_officer
// mode: read
// param: pseudonym string | the keyed pseudonym
MATCH (r:Resident {pseudonym: $pseudonym})
WHERE any(s IN coalesce(r.sources, []) WHERE s IN $access_sources)
  AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
OPTIONAL MATCH (r)-[l:LIVES_AT]->(pa:Address)
WHERE l.current AND coalesce(pa.protected, false)
WITH r, count(pa) AS protected_homes
OPTIONAL MATCH (r)-[:MEMBER_OF]->(h:Household)
RETURN r.pseudonym AS pseudonym, CASE WHEN protected_homes > 0 THEN null ELSE r.ward END AS ward,
       r.birth_year AS birth_year, r.sex AS sex,
       [s IN coalesce(r.sources, []) WHERE s IN $access_sources] AS source_systems,
       coalesce(r.deceased, false) AS deceased, max(h.size) AS household_size
