// name: app_pseudonym_family
// title: A pseudonymised person's family links
// description: Partner, parent, child and sibling links recorded by visible source systems, the other person
// description: shown only by pseudonym; relatives who are sealed or opted out (for this session) are left out.
// category: app
// roles: analyst, ig_officer
// mode: read
// param: pseudonym string | the keyed pseudonym
MATCH (r:Resident {pseudonym: $pseudonym})
WHERE any(s IN coalesce(r.sources, []) WHERE s IN $access_sources)
  AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
MATCH (r)-[f:PARTNER_OF|PARENT_OF|SIBLING_OF]-(o:Resident)
WHERE f.source_system IN $access_sources
  AND any(s IN coalesce(o.sources, []) WHERE s IN $access_sources)
  AND ($access_sealed OR NOT coalesce(o.sealed, false)) AND ($access_opt_out OR NOT coalesce(o.opt_out, false))
RETURN DISTINCT CASE WHEN type(f) = 'PARENT_OF' AND startNode(f) = r THEN 'child'
                     WHEN type(f) = 'PARENT_OF' THEN 'parent'
                     WHEN type(f) = 'PARTNER_OF' THEN 'partner' ELSE 'sibling' END AS relation,
       o.pseudonym AS pseudonym, f.source_system AS source_system
ORDER BY relation, pseudonym
