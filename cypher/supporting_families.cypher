// name: supporting_families
// title: Supporting Families criteria per family
// description: For each household with a child, which Supporting Families criteria the records show and from
// description: which agency: crime_asb (a member recorded as a police suspect, other than domestic abuse),
// description: domestic_abuse (a police domestic-abuse incident), education (a pupil with attendance under
// description: 90% or an exclusion), children_need_help (children's social care involvement) and
// description: worklessness (an adult on Universal Credit or ESA now). Police and social-care facts count
// description: from the last `years` years. Families meeting at least min_criteria are returned, with the
// description: criteria matrix (evidence lists up to 20 facts per criterion; `facts` has the full count);
// description: set min_criteria=1 to see every family meeting any criterion. Deceased residents are not
// description: family members; children's social care counts a case open in the look-back (episode claim)
// description: as well as a referral in it. Sealed and opted-out residents and protected dwellings are left
// description: out unless the session may see them; pseudonymised sessions get pseudonyms and the ward, no
// description: resident ids, UPRNs or record ids.
// category: detector
// roles: social_worker, analyst, ig_officer
// mode: read
// param: min_criteria int = 2 | criteria needed to list a family
// param: years int = 3 | look-back for police and social-care facts
// param: limit int = 1000 | most families returned
// example: residex query supporting_families -p min_criteria=2
CALL {
  // facts that meet a criterion, in two passes (one pattern over both relationship types with an OR of
  // their conditions took half as long again): police and children's social care contacts in the look-back
  MATCH (m:Resident)-[:HAD_CONTACT]->(n:AgencyContact)
  WHERE n.source_system IN ['police_contacts', 'childrens_social_care'] AND n.source_system IN $access_sources
    AND n.contact_date >= toString(toInteger(substring($today, 0, 4)) - $years) + substring($today, 4)
  // the person tests after a WITH, so that the planner starts from the few contacts, not every resident
  WITH m, n
  WHERE NOT coalesce(m.deceased, false)
    AND ($access_sealed OR NOT coalesce(m.sealed, false)) AND ($access_opt_out OR NOT coalesce(m.opt_out, false))
  RETURN m, n AS ent,
         CASE WHEN n.source_system = 'childrens_social_care' THEN 'children_need_help'
              WHEN n.contact_type STARTS WITH 'Domestic abuse' THEN 'domestic_abuse'
              WHEN coalesce(n.role, 'Suspect') = 'Suspect' THEN 'crime_asb' END AS criterion
  UNION ALL
  // ... then out-of-work benefits now (adults), school attendance under 90% or exclusions, and social-care
  // cases open in the look-back: the few claims of those kinds through the claim-type index. The claimant is
  // named after the WITH (startNode): a labelled end made FalkorDB scan that label and probe the index per node
  MATCH ()-[x:CLAIMS]->()
  WHERE x.claim_type IN ['universal_credit', 'esa', 'school_place', 'csc_case']
    AND ((x.claim_type IN ['universal_credit', 'esa'] AND (x.to_date IS NULL OR x.to_date >= $today)
          AND coalesce(startNode(x).dob, '0000-00-00') <= toString(toInteger(substring($today, 0, 4)) - 18) + substring($today, 4))
         OR (x.claim_type = 'school_place'
             AND (coalesce(x.attr_attendance_pct, 100.0) < 90 OR coalesce(x.attr_exclusions, 0) > 0))
         OR (x.claim_type = 'csc_case' AND x.source_system = 'childrens_social_care'
             AND coalesce(x.to_date, $today) >= toString(toInteger(substring($today, 0, 4)) - $years)
                                                + substring($today, 4)))
    AND x.source_system IN $access_sources
  WITH startNode(x) AS m, x
  WHERE NOT coalesce(m.deceased, false)
    AND ($access_sealed OR NOT coalesce(m.sealed, false)) AND ($access_opt_out OR NOT coalesce(m.opt_out, false))
  RETURN m, x AS ent,
         CASE WHEN x.claim_type = 'school_place' THEN 'education'
              WHEN x.source_system = 'childrens_social_care' THEN 'children_need_help'
              ELSE 'worklessness' END AS criterion
}
WITH m, ent, criterion
WHERE criterion IS NOT NULL
// the family: everyone living now where this person lives now (a current registration there and no later
// current registration elsewhere: superseded_by, graph/tenure.py). Facts go through this row by row as the
// contact or claim itself (a reference) and the criterion (a string): a list or map carried through the
// expansion is copied into every row, and each person has several registrations at their dwelling
MATCH (m)-[l:LIVES_AT]->(h:Address)
WHERE l.current AND l.source_system IN $access_sources AND NOT coalesce(h.protected, false)
WITH m, ent, criterion, h, l
WHERE none(x IN coalesce(l.superseded_by, []) WHERE x IN $access_sources)
// a fact once per family member (a person's several registrations at the dwelling repeat it), then the
// family's criteria; the evidence is built only for the families that meet enough of them
WITH DISTINCT h, m, ent, criterion
WITH h, collect(DISTINCT criterion) AS criteria, collect(m) AS ms, collect(ent) AS ents, collect(criterion) AS cs
WHERE size(criteria) >= $min_criteria
UNWIND range(0, size(ms) - 1) AS i
WITH h, ms[i] AS m, ents[i] AS x, cs[i] AS crit
WITH h, m, crit, {agency: coalesce(x.agency, x.source_system), source_system: x.source_system,
                  record_id: x.record_id, date: coalesce(x.contact_date, x.from_date),
                  kind: coalesce(x.contact_type, x.claim_type), attendance: x.attr_attendance_pct,
                  exclusions: x.attr_exclusions, criterion: crit} AS f
WITH h, crit AS criterion,
     collect({source_system: f.source_system, record_id: CASE WHEN $access_personal THEN f.record_id END,
              date: f.date,
              fact: f.criterion + ': ' + coalesce(f.kind, '')
                    + CASE WHEN f.attendance IS NULL THEN ''
                           ELSE ' (attendance ' + toString(toInteger(f.attendance)) + '%, exclusions '
                                + toString(toInteger(coalesce(f.exclusions, 0))) + ')' END
                    + ' - ' + (CASE WHEN $access_personal THEN m.full_name ELSE m.pseudonym END)}) AS ev,
     collect(DISTINCT f.agency) AS agencies,
     collect(DISTINCT CASE WHEN $access_personal THEN m.resident_id ELSE m.pseudonym END) AS who
WITH h, collect({criterion: criterion, agencies: agencies, facts: size(ev),
                           resident_ids: CASE WHEN $access_personal THEN who ELSE [] END, people: who}) AS matrix,
     collect(ev[0..20]) AS evs
// a family with at least one child living there now
MATCH (k:Resident)-[kl:LIVES_AT]->(h)
WHERE kl.current AND kl.source_system IN $access_sources AND NOT coalesce(k.deceased, false)
  AND k.dob > toString(toInteger(substring($today, 0, 4)) - 18) + substring($today, 4)
  AND ($access_sealed OR NOT coalesce(k.sealed, false)) AND ($access_opt_out OR NOT coalesce(k.opt_out, false))
WITH h, matrix, evs, count(DISTINCT k) AS children
WITH h AS a, matrix, children, reduce(acc = [], e IN evs | acc + e) AS evidence
RETURN CASE WHEN $access_personal THEN head(head(matrix).resident_ids) END AS resident_id,
       CASE WHEN $access_personal THEN NULL ELSE head(head(matrix).people) END AS pseudonym,
       CASE WHEN $access_personal THEN a.uprn END AS uprn,
       CASE WHEN $access_personal THEN a.address_text ELSE a.ward END AS address, a.ward AS ward,
       children, size(matrix) AS criteria_met, [c IN matrix | c.criterion] AS criteria, matrix,
       'Meets ' + toString(size(matrix)) + ' Supporting Families criteria: '
         + reduce(s = '', c IN matrix | s + CASE WHEN s = '' THEN '' ELSE '; ' END + c.criterion + ' (from '
           + reduce(t = '', g IN c.agencies | t + CASE WHEN t = '' THEN '' ELSE ', ' END + g) + ')') + '.' AS reason,
       evidence
ORDER BY criteria_met DESC, uprn, ward, pseudonym
LIMIT $limit
