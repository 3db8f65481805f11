// name: illegal_subletting
// title: Possible illegal subletting
// description: Council tenancies whose tenant has been registered at another address (GP, electoral
// description: register, DWP...) since after the tenancy began, while adults who are not family of the
// description: tenant and not on the tenancy live at the tenancy. Declared lodgers are on the tenancy and
// description: are not counted. Someone "lives" at a dwelling when a current registration puts them there
// description: and no later current registration puts them elsewhere (so a stale record does not count).
// category: detector
// roles: fraud_investigator, analyst, ig_officer
// mode: read
// param: min_other_adults int = 1 | unrelated adults at the tenancy needed to flag it
// param: limit int = 500 | most tenancies returned
// example: residex query illegal_subletting -p min_other_adults=2
WITH toString(toInteger(substring($today, 0, 4)) - 18) + substring($today, 4) AS adult_dob
MATCH (t:Resident)-[c:CLAIMS]->(a:Address)
WHERE c.claim_type = 'tenancy' AND c.source_system IN $access_sources AND a.council_owned = true
  AND (c.to_date IS NULL OR c.to_date >= $today)
// the tenant registered elsewhere since the tenancy began (GP and DWP dates are not moving dates: for
// them, a current registration elsewhere and none at the tenancy); also records in exactly the tenant's
// name that the index could not link to them (no date of birth), e.g. an electoral registration
OPTIONAL MATCH (t2:Resident)
WHERE t2.last_name = t.last_name AND t2.first_name = t.first_name AND t2 <> t
  AND (t2.dob IS NULL OR t.dob IS NULL) AND NOT (t2)-[:LIVES_AT]->(a)
WITH adult_dob, t, c, a, [t] + collect(t2) AS selves
UNWIND selves AS me
MATCH (me)-[e:LIVES_AT]->(b:Address)
WHERE e.current AND b.uprn <> a.uprn AND e.source_system IN $access_sources
  AND NOT e.source_system IN ['housing_tenancy', 'council_tax']
  AND (e.from_date > coalesce(c.from_date, '0000')
       OR (e.source_system = 'gp_registration' AND NOT (me)-[:LIVES_AT {source_system: 'gp_registration'}]->(a))
       OR (e.source_system = 'dwp_benefits' AND NOT (me)-[:LIVES_AT {source_system: 'dwp_benefits'}]->(a)))
WITH adult_dob, t, c, a, collect(DISTINCT b) AS elsewhere,
     collect({source_system: e.source_system, record_id: e.record_id, date: e.from_date,
              fact: (CASE WHEN me = t THEN 'tenant' ELSE 'a record in the tenant''s name (not linked to them)' END)
                    + ' registered at '
                    + (CASE WHEN $access_personal THEN b.address_text ELSE 'another address in ' + coalesce(b.ward, 'an unknown ward') END)
                    + ' from ' + coalesce(e.from_date, 'an unknown date')}) AS moved_ev
// adults living at the tenancy who are neither family nor on the tenancy or council tax account
MATCH (o:Resident)-[l:LIVES_AT]->(a)
WHERE o <> t AND l.current AND l.source_system IN $access_sources
  AND NOT l.source_system IN ['housing_tenancy', 'council_tax']
  AND coalesce(o.dob, '0000-00-00') <= adult_dob
  AND NOT (o)-[:PARENT_OF|PARTNER_OF|SIBLING_OF]-(t)
  AND NOT (o)-[:LIVES_AT {source_system: 'housing_tenancy'}]->(a)
  AND NOT (o)-[:CLAIMS {claim_type: 'council_tax_liability'}]->(a)
OPTIONAL MATCH (o)-[l2:LIVES_AT]->(b2:Address)
WHERE l2.current AND b2.uprn <> a.uprn AND l2.source_system IN $access_sources AND l2.from_date > l.from_date
WITH t, c, a, elsewhere, moved_ev, o, l, count(l2) AS later
WHERE later = 0
WITH t, c, a, elsewhere, moved_ev, o,
     collect({source_system: l.source_system, record_id: l.record_id, date: l.from_date,
              fact: (CASE WHEN $access_personal THEN o.full_name ELSE o.pseudonym END)
                    + ' (not family, not on the tenancy) registered at the tenancy from '
                    + coalesce(l.from_date, 'an unknown date')}) AS o_ev
WITH t, c, a, elsewhere, moved_ev, collect(o.resident_id) AS others, collect(o_ev) AS o_evs
WHERE size(others) >= $min_other_adults
WITH t, c, a, elsewhere, moved_ev, others, reduce(acc = [], x IN o_evs | acc + x) AS other_ev,
     reduce(m = '9999-12-31', x IN moved_ev | CASE WHEN x.date > coalesce(c.from_date, '0000') AND x.date < m
                                                  THEN x.date ELSE m END) AS moved_from
RETURN t.resident_id AS resident_id, a.uprn AS uprn,
       CASE WHEN $access_personal THEN t.full_name ELSE t.pseudonym END AS tenant,
       CASE WHEN $access_personal THEN a.address_text ELSE a.ward END AS address, a.ward AS ward,
       c.record_id AS tenancy_record, c.from_date AS tenancy_from, CASE WHEN moved_from = '9999-12-31' THEN null ELSE moved_from END AS moved_from, size(others) AS other_adults,
       others AS other_resident_ids, [b IN elsewhere | b.uprn] AS elsewhere_uprns,
       'Council tenant (tenancy from ' + coalesce(c.from_date, 'an unknown date') + ') registered at '
         + toString(size(elsewhere)) + ' other address(es)'
         + CASE WHEN moved_from = '9999-12-31' THEN '' ELSE ' from ' + moved_from END
         + ' while ' + toString(size(others)) + ' adult(s) who are neither family nor on the tenancy live '
         + 'at the tenancy.' AS reason,
       [{source_system: c.source_system, record_id: c.record_id, date: c.from_date,
         fact: 'council tenancy held since ' + coalesce(c.from_date, 'an unknown date')}] + moved_ev + other_ev AS evidence
ORDER BY other_adults DESC, resident_id
LIMIT $limit
