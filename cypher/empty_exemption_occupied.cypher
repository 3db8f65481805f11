// name: empty_exemption_occupied
// title: Empty-property exemption on an occupied dwelling
// description: Council tax empty-property exemptions (class C, empty and unfurnished) during which people
// description: registered as arriving at the dwelling in other systems (GP, electoral register, DWP,
// description: housing benefit...) and still live there or stayed past the exemption's start. An exemption
// description: that ended before the residents moved in, a dwelling nobody is registered at, or one billed
// description: on another council tax account for the same period (one that is not itself exempt as empty
// description: then, as a duplicate account is), is not flagged. An open-ended
// description: registration counts only when no later current registration puts the person elsewhere.
// category: detector
// roles: fraud_investigator, analyst, ig_officer
// mode: read
// param: min_residents int = 1 | residents registered during the exemption needed to flag it
// param: limit int = 500 | most exemptions returned
// example: residex query empty_exemption_occupied
MATCH ()-[e:CLAIMS]->()
WHERE e.claim_type = 'empty_exemption' AND e.source_system IN $access_sources
// the exemptions through the claim-type index; the ends are named after the WITH (a labelled end made
// FalkorDB scan that label and probe the index once per node)
WITH startNode(e) AS ll, e, endNode(e) AS a
WHERE NOT coalesce(a.protected, false) AND ($access_sealed OR NOT coalesce(ll.sealed, false)) AND ($access_opt_out OR NOT coalesce(ll.opt_out, false))
WITH ll, e, a, coalesce(e.to_date, $today) AS e_end
MATCH (o:Resident)-[l:LIVES_AT]->(a)
WHERE o <> ll AND l.source_system IN $access_sources AND l.source_system <> e.source_system
  AND ($access_sealed OR NOT coalesce(o.sealed, false)) AND ($access_opt_out OR NOT coalesce(o.opt_out, false))
  // registered as arriving at the dwelling while it was exempt as empty
  AND l.from_date >= coalesce(e.from_date, '0000') AND l.from_date <= e_end AND l.from_date <= $today
// not if another council tax account was billing the dwelling on the arrival date (an account that was
// itself exempt as empty then, such as a duplicate of the same account, bills nothing)
OPTIONAL MATCH (payer:Resident)-[p:CLAIMS]->(a)
WHERE p.claim_type = 'council_tax_liability' AND p.source_system = e.source_system AND p.record_id <> e.record_id
  AND p.source_system IN $access_sources AND coalesce(p.from_date, '0000') <= l.from_date
  AND coalesce(p.to_date, '9999-12-31') >= l.from_date
WITH ll, e, a, e_end, o, l, p,
     size([(payer)-[x:CLAIMS]->(a) WHERE x.claim_type = 'empty_exemption' AND x.record_id = p.record_id
                                      AND x.source_system = p.source_system
                                      AND coalesce(x.from_date, '0000') <= l.from_date
                                      AND coalesce(x.to_date, '9999-12-31') >= l.from_date | 1]) AS p_exempt
WITH ll, e, a, e_end, o, l, count(CASE WHEN p IS NOT NULL AND p_exempt = 0 THEN 1 END) AS billed
WHERE billed = 0
// an open-ended registration counts only if no later current registration puts the person elsewhere
WITH ll, e, a, e_end, o, l
WHERE l.to_date IS NOT NULL OR none(x IN coalesce(l.superseded_by, []) WHERE x IN $access_sources)
WITH ll, e, a, e_end, o,
     collect({source_system: l.source_system, record_id: l.record_id, date: l.from_date,
              fact: (CASE WHEN $access_personal THEN o.full_name ELSE o.pseudonym END)
                    + ' registered at the dwelling from ' + coalesce(l.from_date, 'an unknown date')
                    + CASE WHEN l.to_date IS NULL THEN '' ELSE ' to ' + l.to_date END}) AS o_ev
WITH ll, e, a, e_end, collect(o.resident_id) AS residents, collect(o_ev) AS o_evs
WHERE size(residents) >= $min_residents
RETURN ll.resident_id AS resident_id, a.uprn AS uprn,
       CASE WHEN $access_personal THEN ll.full_name ELSE ll.pseudonym END AS liable_person,
       CASE WHEN $access_personal THEN a.address_text ELSE a.ward END AS address, a.ward AS ward,
       e.record_id AS account, e.from_date AS exempt_from, e.to_date AS exempt_to,
       size(residents) AS residents, residents AS resident_ids,
       'Empty-property exemption from ' + coalesce(e.from_date, 'an unknown date')
         + CASE WHEN e.to_date IS NULL THEN ' (still open)' ELSE ' to ' + e.to_date END
         + ' while ' + toString(size(residents)) + ' resident(s) registered as moving in by other systems.'
         AS reason,
       [{source_system: e.source_system, record_id: e.record_id, date: e.from_date,
         fact: 'class C empty-property exemption from ' + coalesce(e.from_date, 'an unknown date')
               + CASE WHEN e.to_date IS NULL THEN '' ELSE ' to ' + e.to_date END}]
         + reduce(acc = [], x IN o_evs | acc + x) AS evidence
ORDER BY residents DESC, uprn
LIMIT $limit
