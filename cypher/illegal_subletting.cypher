// name: illegal_subletting
// title: Possible illegal subletting
// description: Council tenancies where adults who are neither family of the tenant nor on the tenancy (or
// description: the council tax account) live at the tenancy, while the tenant is registered at another
// description: address (GP, electoral register, DWP...) since after the tenancy began, or no system other
// description: than the tenancy and council tax registers the tenant at the tenancy. Declared lodgers are
// description: on the tenancy and are not counted. Someone lives at a dwelling when current registrations
// description: put them there and no other address has more of them (or as many, more recent), so a stale
// description: record does not count; an unrelated adult must be registered there by min_sources systems.
// description: Electoral registrations in exactly the tenant's name that the index could not link to the
// description: tenant (no date of birth) count as the tenant's, and are labelled so in the evidence.
// category: detector
// roles: fraud_investigator, analyst, ig_officer
// mode: read
// param: min_other_adults int = 1 | unrelated adults at the tenancy needed to flag it
// param: min_sources int = 2 | systems that must register an unrelated adult at the tenancy for them to count
// param: limit int = 500 | most tenancies returned
// example: residex query illegal_subletting -p min_other_adults=2
WITH toString(toInteger(substring($today, 0, 4)) - 18) + substring($today, 4) AS adult_dob
// the open tenancies first, through the claim-type index (the ends are named after the WITH: a labelled
// end made FalkorDB scan that label and probe the index once per node), then who lives there
MATCH ()-[c:CLAIMS]->()
WHERE c.claim_type = 'tenancy' AND c.source_system IN $access_sources AND (c.to_date IS NULL OR c.to_date >= $today)
WITH adult_dob, startNode(c) AS t, c, endNode(c) AS a
WHERE a.council_owned = true AND NOT coalesce(a.protected, false)
  AND ($access_sealed OR NOT coalesce(t.sealed, false)) AND ($access_opt_out OR NOT coalesce(t.opt_out, false))
// adults living at the tenancy who are neither family nor on the tenancy or council tax account
MATCH (o:Resident)-[l:LIVES_AT]->(a)
WHERE o <> t AND l.current AND l.source_system IN $access_sources AND ($access_sealed OR NOT coalesce(o.sealed, false)) AND ($access_opt_out OR NOT coalesce(o.opt_out, false))
  AND NOT l.source_system IN ['housing_tenancy', 'council_tax']
  AND coalesce(o.dob, '0000-00-00') <= adult_dob
  AND NOT (o.last_name = t.last_name AND o.first_name = t.first_name)
  AND NOT (o)-[:PARENT_OF|PARTNER_OF|SIBLING_OF]-(t)
  AND NOT (o)-[:LIVES_AT {source_system: 'housing_tenancy'}]->(a)
  AND NOT (o)-[:CLAIMS {claim_type: 'council_tax_liability'}]->(a)
WITH t, c, a, o, count(DISTINCT l.source_system) AS here, max(l.from_date) AS here_from,
     collect({source_system: l.source_system, record_id: l.record_id, date: l.from_date,
              fact: (CASE WHEN $access_personal THEN o.full_name ELSE o.pseudonym END)
                    + ' (not family, not on the tenancy) registered at the tenancy from '
                    + coalesce(l.from_date, 'an unknown date')}) AS o_ev
OPTIONAL MATCH (o)-[l2:LIVES_AT]->(b2:Address)
WHERE l2.current AND b2.uprn <> a.uprn AND l2.source_system IN $access_sources
WITH t, c, a, o, here, here_from, o_ev, b2, count(DISTINCT l2.source_system) AS there, max(l2.from_date) AS there_from
WITH t, c, a, o, here, here_from, o_ev, collect(CASE WHEN b2 IS NULL THEN null ELSE [there, there_from] END) AS elsewhere
WHERE here >= $min_sources AND all(x IN elsewhere WHERE x[0] < here OR (x[0] = here AND x[1] <= here_from))
WITH t, c, a, collect(o.resident_id) AS others, collect(o_ev) AS o_evs
WHERE size(others) >= $min_other_adults
// the tenant registered elsewhere since the tenancy began (GP and DWP dates are not moving dates: for
// them, a current registration elsewhere and none at the tenancy)
// (full_name is indexed: a surname lookup read every SMITH for each tenancy)
OPTIONAL MATCH (t2:Resident)
WHERE t2.full_name = t.full_name AND t2.last_name = t.last_name AND t2.first_name = t.first_name AND t2 <> t
  AND (t2.dob IS NULL OR t.dob IS NULL) AND NOT (t2)-[:LIVES_AT]->(a)
  AND (t2)-[:LIVES_AT {source_system: 'electoral_register'}]->()
WITH t, c, a, others, o_evs, [t] + collect(t2) AS selves
// is the tenant registered at the tenancy by anything other than the tenancy and council tax themselves?
OPTIONAL MATCH (t)-[h:LIVES_AT]->(a)
WHERE h.current AND h.source_system IN $access_sources AND NOT h.source_system IN ['housing_tenancy', 'council_tax']
WITH t, c, a, others, o_evs, selves, count(h) AS present
UNWIND selves AS me
OPTIONAL MATCH (me)-[e:LIVES_AT]->(b:Address)
WHERE e.current AND b.uprn <> a.uprn AND e.source_system IN $access_sources
  AND NOT e.source_system IN ['housing_tenancy', 'council_tax']
  AND (e.from_date > coalesce(c.from_date, '0000')
       OR (e.source_system = 'gp_registration' AND NOT (me)-[:LIVES_AT {source_system: 'gp_registration'}]->(a))
       OR (e.source_system = 'dwp_benefits' AND NOT (me)-[:LIVES_AT {source_system: 'dwp_benefits'}]->(a)))
WITH t, c, a, others, o_evs, present, collect(DISTINCT b) AS elsewhere,
     collect(CASE WHEN e IS NULL THEN null ELSE {source_system: e.source_system, record_id: e.record_id, date: e.from_date,
              fact: (CASE WHEN me = t THEN 'tenant' ELSE 'a record in the same name as the tenant (not linked to them)' END)
                    + ' registered at '
                    + (CASE WHEN $access_personal THEN b.address_text ELSE 'another address in ' + coalesce(b.ward, 'an unknown ward') END)
                    + ' from ' + coalesce(e.from_date, 'an unknown date')} END) AS moved_ev
WHERE size(elsewhere) > 0 OR present = 0
WITH t, c, a, elsewhere, present, moved_ev, others, reduce(acc = [], x IN o_evs | acc + x) AS other_ev,
     reduce(m = '9999-12-31', x IN moved_ev | CASE WHEN x.date > coalesce(c.from_date, '0000') AND x.date < m
                                                  THEN x.date ELSE m END) AS moved_from
RETURN t.resident_id AS resident_id, a.uprn AS uprn,
       CASE WHEN $access_personal THEN t.full_name ELSE t.pseudonym END AS tenant,
       CASE WHEN $access_personal THEN a.address_text ELSE a.ward END AS address, a.ward AS ward,
       c.record_id AS tenancy_record, c.from_date AS tenancy_from,
       CASE WHEN moved_from = '9999-12-31' THEN null ELSE moved_from END AS moved_from,
       size(others) AS other_adults, others AS other_resident_ids, [b IN elsewhere | b.uprn] AS elsewhere_uprns,
       'Council tenant (tenancy from ' + coalesce(c.from_date, 'an unknown date') + ') '
         + CASE WHEN size(elsewhere) > 0
                THEN 'registered at ' + toString(size(elsewhere)) + ' other address(es)'
                     + CASE WHEN moved_from = '9999-12-31' THEN '' ELSE ' from ' + moved_from END
                ELSE 'not registered at the tenancy by any GP, electoral, DWP or benefit record' END
         + ' while ' + toString(size(others)) + ' adult(s) who are neither family nor on the tenancy live '
         + 'at the tenancy.' AS reason,
       [{source_system: c.source_system, record_id: c.record_id, date: c.from_date,
         fact: 'council tenancy held since ' + coalesce(c.from_date, 'an unknown date')
               + CASE WHEN present = 0 THEN '; no other system registers the tenant there' ELSE '' END}]
         + moved_ev + other_ev AS evidence
ORDER BY other_adults DESC, resident_id
LIMIT $limit
