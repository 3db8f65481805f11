// name: spd_other_adults
// title: Single-person discount with other adults registered
// description: Open council tax single-person discounts (SPD) on dwellings where other adults live now
// description: (a current GP, electoral, DWP or housing registration there and none later elsewhere). An
// description: adult disregarded for council tax (student, carer, severely mentally impaired) declared on
// description: the account is not counted. An other adult must be registered there by at least min_sources
// description: systems, registered there since the account holder's liability began (an earlier, still
// description: open registration is a former occupant's stale record), and must not look like a second
// description: index entry for the account holder (same surname
// description: and initial, no conflicting date of birth). When the account holder is not registered at
// description: the dwelling by any other system (or is a child), the index probably linked the account to
// description: the wrong person, so one of the other adults is taken to be the liable person. Other
// description: adults' index entries that look like one person (same surname and initial, no two different
// description: dates of birth) count as one adult.
// category: detector
// roles: fraud_investigator, analyst, ig_officer
// mode: read
// param: min_sources int = 1 | an other adult counts when this many source systems register them there
// param: limit int = 500 | most accounts returned
// example: residex query spd_other_adults
WITH toString(toInteger(substring($today, 0, 4)) - 18) + substring($today, 4) AS adult_dob
MATCH ()-[d:CLAIMS]->()
WHERE d.claim_type = 'single_person_discount' AND d.source_system IN $access_sources
  AND (d.to_date IS NULL OR d.to_date >= $today)
// the discounts first, through the claim-type index, then the people: the ends are named after the WITH
// (a labelled end made FalkorDB scan that label and probe the index once per node)
WITH adult_dob, startNode(d) AS c, d, endNode(d) AS a
WHERE NOT coalesce(a.protected, false) AND ($access_sealed OR NOT coalesce(c.sealed, false)) AND ($access_opt_out OR NOT coalesce(c.opt_out, false))
// the disregarded adult named on the account: not counted (nor index entries that look like them); a
// disregard whose person the index could not find allows one other adult instead
OPTIONAL MATCH (dr:Resident {resident_id: coalesce(d.attr_disregarded_resident_id, '')})
WITH adult_dob, c, d, a, dr,
     CASE WHEN d.attr_disregard_type IS NOT NULL AND dr IS NULL THEN 1 ELSE 0 END AS disregards
WITH adult_dob, c, d, a, dr, disregards,
     coalesce(c.dob, '0000-00-00') <= adult_dob
       AND size([(c)-[cl:LIVES_AT]->(a) WHERE cl.current AND cl.source_system <> d.source_system
                                             AND cl.source_system IN $access_sources | 1]) > 0 AS corroborated,
     // the account holder's arrival: the start of the liability on the same account
     reduce(m = null, x IN [(c)-[lia:CLAIMS]->(a) WHERE lia.claim_type = 'council_tax_liability'
                                 AND lia.source_system = d.source_system AND lia.record_id = d.record_id | lia.from_date]
            | CASE WHEN x IS NULL THEN m WHEN m IS NULL OR x < m THEN x ELSE m END) AS first_liability
WITH adult_dob, c, d, a, dr, disregards, corroborated, coalesce(first_liability, d.from_date, '0000') AS arrival
MATCH (o:Resident)-[l:LIVES_AT]->(a)
WHERE o <> c AND l.current AND l.source_system IN $access_sources AND ($access_sealed OR NOT coalesce(o.sealed, false)) AND ($access_opt_out OR NOT coalesce(o.opt_out, false))
  AND coalesce(o.dob, '0000-00-00') <= adult_dob AND coalesce(o.deceased, false) = false
  AND NOT (o.last_name = c.last_name AND substring(o.first_name, 0, 1) = substring(c.first_name, 0, 1)
           AND (o.dob IS NULL OR c.dob IS NULL OR o.dob = c.dob))
  AND (dr IS NULL OR NOT (o = dr OR (o.last_name = dr.last_name
                                     AND substring(o.first_name, 0, 1) = substring(dr.first_name, 0, 1)
                                     AND (o.dob IS NULL OR dr.dob IS NULL OR o.dob = dr.dob))))
WITH c, d, a, disregards, corroborated, arrival, o, count(DISTINCT l.source_system) AS n_sources,
     max(CASE WHEN l.source_system IN ['gp_registration', 'dwp_benefits', 'school_census'] THEN null
              ELSE l.from_date END) AS registered_from,
     max(l.from_date) AS latest_from,
     collect({source_system: l.source_system, record_id: CASE WHEN $access_personal THEN l.record_id END, date: l.from_date,
              fact: (CASE WHEN $access_personal THEN o.full_name ELSE o.pseudonym END)
                    + ' (adult) registered at the dwelling from ' + coalesce(l.from_date, 'an unknown date')}) AS o_ev
// lives here rather than elsewhere: no other address with more current registrations (or as many, later)
OPTIONAL MATCH (o)-[l2:LIVES_AT]->(b2:Address)
WHERE l2.current AND b2.uprn <> a.uprn AND l2.source_system IN $access_sources
WITH c, d, a, disregards, corroborated, arrival, o, n_sources, registered_from, latest_from, o_ev, b2,
     count(DISTINCT l2.source_system) AS there, max(l2.from_date) AS there_from
WITH c, d, a, disregards, corroborated, arrival, o, n_sources, registered_from, latest_from, o_ev,
     collect(CASE WHEN b2 IS NULL THEN null ELSE [there, there_from] END) AS elsewhere
WHERE all(x IN elsewhere WHERE x[0] < n_sources OR (x[0] = n_sources AND x[1] <= latest_from))
  // registered there since the account holder arrived (an earlier registration is a former occupant's);
  // GP, DWP and school dates are not moving-in dates, so they cannot show that
  AND n_sources >= $min_sources AND coalesce(registered_from, arrival) >= arrival
WITH c, d, a, disregards, corroborated, collect(o.resident_id) AS others, collect(o_ev) AS o_evs,
     collect({k: coalesce(o.last_name, o.resident_id) + '|' + substring(coalesce(o.first_name, ''), 0, 1), dob: o.dob}) AS seen
// index entries that look like one person (surname, initial, no two different birth dates: one person's
// records the index left unlinked) count as one adult
WITH c, d, a, disregards, corroborated, others, o_evs, seen,
     reduce(ks = [], x IN seen | CASE WHEN x.k IN ks THEN ks ELSE ks + [x.k] END) AS keys
WITH c, d, a, disregards, corroborated, others, o_evs,
     reduce(n = 0, k IN keys | n + size(reduce(ds = [], x IN seen | CASE WHEN x.k = k AND x.dob IS NOT NULL
                                                                        AND NOT x.dob IN ds THEN ds + [x.dob] ELSE ds END))) AS dated,
     reduce(n = 0, k IN keys | n + CASE WHEN any(x IN seen WHERE x.k = k AND x.dob IS NOT NULL) THEN 0 ELSE 1 END) AS undated
WITH c, d, a, disregards, corroborated, others, o_evs, dated + undated AS adults
WHERE adults > disregards + CASE WHEN corroborated THEN 0 ELSE 1 END
RETURN CASE WHEN $access_personal THEN c.resident_id END AS resident_id, CASE WHEN $access_personal THEN a.uprn END AS uprn, c.pseudonym AS pseudonym,
       CASE WHEN $access_personal THEN c.full_name ELSE c.pseudonym END AS claimant,
       CASE WHEN $access_personal THEN a.address_text ELSE a.ward END AS address, a.ward AS ward,
       CASE WHEN $access_personal THEN d.record_id END AS account, d.from_date AS discount_from, adults AS other_adults,
       d.attr_disregard_type AS disregard_declared, corroborated AS claimant_registered_there,
       CASE WHEN $access_personal THEN others ELSE [] END AS other_resident_ids,
       'Single-person discount open since ' + coalesce(d.from_date, 'an unknown date') + ' but '
         + toString(adults) + ' other adult(s) live at the dwelling'
         + CASE WHEN d.attr_disregard_type IS NULL THEN ' and none is declared as disregarded'
                ELSE ' besides the declared disregarded adult (' + d.attr_disregard_type + ')' END
         + CASE WHEN corroborated THEN '' ELSE '; the account holder is not registered there by any other system' END
         + '.' AS reason,
       [{source_system: d.source_system, record_id: CASE WHEN $access_personal THEN d.record_id END, date: d.from_date,
         fact: 'single-person discount claimed from ' + coalesce(d.from_date, 'an unknown date')}]
         + reduce(acc = [], x IN o_evs | acc + x) AS evidence
ORDER BY other_adults DESC, resident_id
LIMIT $limit
