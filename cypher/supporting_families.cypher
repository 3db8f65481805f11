// name: supporting_families
// title: Supporting Families criteria per family
// description: For each household with a child, which Supporting Families criteria the records show and from
// description: which agency: crime_asb (a member recorded as a police suspect, other than domestic abuse),
// description: domestic_abuse (a police domestic-abuse incident), education (a pupil with attendance under
// description: 90% or an exclusion), children_need_help (children's social care involvement) and
// description: worklessness (an adult on Universal Credit or ESA now). Police and social-care facts count
// description: from the last `years` years. Families meeting at least min_criteria are returned, with the
// description: criteria matrix; set min_criteria=1 to see every family meeting any criterion.
// category: detector
// roles: social_worker, analyst, ig_officer
// mode: read
// param: min_criteria int = 2 | criteria needed to list a family
// param: years int = 3 | look-back for police and social-care facts
// param: limit int = 1000 | most families returned
// example: residex query supporting_families -p min_criteria=2
WITH toString(toInteger(substring($today, 0, 4)) - $years) + substring($today, 4) AS since,
     toString(toInteger(substring($today, 0, 4)) - 18) + substring($today, 4) AS child_dob
MATCH (m:Resident)-[x:HAD_CONTACT|CLAIMS]->(n)
WITH since, child_dob, m, x,
     CASE WHEN type(x) = 'HAD_CONTACT'
          THEN {source_system: n.source_system, record_id: n.record_id, date: n.contact_date, to: n.contact_date,
                kind: n.contact_type, role: n.role, agency: n.agency}
          ELSE {source_system: x.source_system, record_id: x.record_id, date: x.from_date, to: x.to_date,
                kind: x.claim_type, attendance: coalesce(x.attr_attendance_pct, x.attendance_pct),
                exclusions: coalesce(x.attr_exclusions, x.exclusions),
                agency: x.source_system} END AS f
WHERE f.source_system IN $access_sources
WITH since, child_dob, m, f,
     CASE WHEN f.source_system = 'police_contacts' AND type(x) = 'HAD_CONTACT' AND f.date >= since
               AND f.kind STARTS WITH 'Domestic abuse' THEN 'domestic_abuse'
          WHEN f.source_system = 'police_contacts' AND type(x) = 'HAD_CONTACT' AND f.date >= since
               AND coalesce(f.role, 'Suspect') = 'Suspect' THEN 'crime_asb'
          WHEN f.source_system = 'school_census' AND f.kind = 'school_place'
               AND (coalesce(f.attendance, 100.0) < 90 OR coalesce(f.exclusions, 0) > 0) THEN 'education'
          WHEN f.source_system = 'childrens_social_care' AND coalesce(f.to, $today) >= since THEN 'children_need_help'
          WHEN f.source_system IN ['dwp_benefits', 'housing_benefit']
               AND f.kind IN ['universal_credit', 'esa', 'Universal Credit', 'ESA']
               AND (f.to IS NULL OR f.to >= $today) AND coalesce(m.dob, '0000-00-00') <= child_dob
               THEN 'worklessness'
          ELSE null END AS criterion
WHERE criterion IS NOT NULL
WITH since, child_dob, m, criterion, f
// the family: everyone living now where this person lives now (a current registration there and no later
// current registration elsewhere)
MATCH (m)-[l:LIVES_AT]->(h:Address)
WHERE l.current AND l.source_system IN $access_sources
OPTIONAL MATCH (m)-[l2:LIVES_AT]->(b2:Address)
WHERE l2.current AND b2.uprn <> h.uprn AND l2.source_system IN $access_sources AND l2.from_date > l.from_date
WITH child_dob, m, criterion, f, h, l, count(l2) AS later
WHERE later = 0
WITH DISTINCT child_dob, m, criterion, f, h
WITH child_dob, h, criterion, f.agency AS agency,
     collect({source_system: f.source_system, record_id: f.record_id, date: f.date,
              fact: criterion + ': ' + coalesce(f.kind, '') + CASE WHEN f.attendance IS NULL THEN ''
                    ELSE ' (attendance ' + toString(toInteger(f.attendance)) + '%, exclusions ' + toString(toInteger(coalesce(f.exclusions, 0))) + ')' END
                    + ' - ' + (CASE WHEN $access_personal THEN m.full_name ELSE m.pseudonym END)}) AS ev,
     collect(DISTINCT m.resident_id) AS who
WITH child_dob, h, criterion, collect(DISTINCT agency) AS agencies, collect(ev) AS evs, collect(who) AS whos
WITH child_dob, h, collect({criterion: criterion, agencies: agencies, facts: size(reduce(a = [], e IN evs | a + e)),
                 resident_ids: reduce(a = [], w IN whos | a + [r IN w WHERE NOT r IN a])}) AS matrix,
     collect(reduce(a = [], e IN evs | a + e)) AS evs
WHERE size(matrix) >= $min_criteria
// a family with at least one child living there now
MATCH (k:Resident)-[kl:LIVES_AT]->(h)
WHERE kl.current AND kl.source_system IN $access_sources AND k.dob > child_dob
WITH h, matrix, evs, count(DISTINCT k) AS children
WITH h AS a, matrix, children, reduce(acc = [], e IN evs | acc + e) AS evidence
RETURN head(head(matrix).resident_ids) AS resident_id, a.uprn AS uprn,
       CASE WHEN $access_personal THEN a.address_text ELSE a.ward END AS address, a.ward AS ward,
       children, size(matrix) AS criteria_met, [c IN matrix | c.criterion] AS criteria, matrix,
       'Meets ' + toString(size(matrix)) + ' Supporting Families criteria: '
         + reduce(s = '', c IN matrix | s + CASE WHEN s = '' THEN '' ELSE '; ' END + c.criterion + ' (from '
           + reduce(t = '', g IN c.agencies | t + CASE WHEN t = '' THEN '' ELSE ', ' END + g) + ')') + '.' AS reason,
       evidence
ORDER BY criteria_met DESC, uprn
LIMIT $limit
