// name: multi_agency_family
// title: Family open to several agencies at the same time
// description: Households where at least min_agencies agencies were involved at the same moment. An
// description: agency counts as involved from each contact for contact_months months (police incident,
// description: social-care referral...), and for the whole period of a service or case it records with a
// description: start and end date (e.g. an adult social care episode; open-ended ones run to today). A family
// description: seen by the same agencies at different, non-overlapping times is not flagged.
// category: detector
// roles: social_worker, analyst, ig_officer
// mode: read
// param: agencies list = police_contacts,childrens_social_care,adult_social_care | source systems counted as agencies
// param: min_agencies int = 3 | agencies involved at once needed to flag a family
// param: contact_months int = 6 | how long one contact counts as involvement
// param: limit int = 500 | most families returned
// example: residex query multi_agency_family -p min_agencies=3
MATCH (m:Resident)-[:HAD_CONTACT]->(c:AgencyContact)
WHERE c.source_system IN $agencies AND c.source_system IN $access_sources AND c.contact_date IS NOT NULL
  AND ($access_sealed OR NOT coalesce(m.sealed, false)) AND ($access_opt_out OR NOT coalesce(m.opt_out, false))
WITH DISTINCT m
// the household: everyone living now where the person lives now (a current registration there and no
// later current registration elsewhere)
MATCH (m)-[l:LIVES_AT]->(h:Address)
WHERE l.current AND l.source_system IN $access_sources AND NOT coalesce(h.protected, false)
WITH m, h, l
WHERE none(x IN coalesce(l.superseded_by, []) WHERE x IN $access_sources)
WITH DISTINCT m, h
MATCH (m)-[:HAD_CONTACT]->(c:AgencyContact)
WHERE c.source_system IN $agencies AND c.source_system IN $access_sources AND c.contact_date IS NOT NULL
  AND ($access_sealed OR NOT coalesce(m.sealed, false)) AND ($access_opt_out OR NOT coalesce(m.opt_out, false))
WITH h, m, c, toInteger(substring(c.contact_date, 5, 2)) - 1 + $contact_months AS mo
WITH h, collect({agency: c.source_system, from: c.contact_date,
                 to: toString(toInteger(substring(c.contact_date, 0, 4)) + mo / 12) + '-'
                     + CASE WHEN mo % 12 + 1 < 10 THEN '0' ELSE '' END + toString(mo % 12 + 1)
                     + substring(c.contact_date, 7),
                 record_id: c.record_id, resident_id: m.resident_id,
                 fact: coalesce(c.agency, c.source_system) + ' contact: ' + coalesce(c.contact_type, 'unknown') + ' ('
                       + (CASE WHEN $access_personal THEN m.full_name ELSE m.pseudonym END) + ')'}) AS contact_ivs
WHERE size(reduce(acc = [], x IN contact_ivs | CASE WHEN x.agency IN acc THEN acc ELSE acc + x.agency END))
      >= $min_agencies
OPTIONAL MATCH (h)<-[hl:LIVES_AT]-(m2:Resident)-[cl:CLAIMS]->(:Address)
WHERE hl.current AND ($access_sealed OR NOT coalesce(m2.sealed, false)) AND ($access_opt_out OR NOT coalesce(m2.opt_out, false)) AND cl.source_system IN $agencies AND cl.source_system IN $access_sources AND cl.from_date IS NOT NULL
WITH h, contact_ivs,
     collect(DISTINCT {agency: cl.source_system, from: cl.from_date, to: coalesce(cl.to_date, $today),
              record_id: cl.record_id, resident_id: m2.resident_id,
              fact: cl.source_system + ': ' + coalesce(cl.claim_type, 'service') + ' from ' + cl.from_date
                    + CASE WHEN cl.to_date IS NULL THEN ' (open)' ELSE ' to ' + cl.to_date END + ' ('
                    + (CASE WHEN $access_personal THEN m2.full_name ELSE m2.pseudonym END) + ')'}) AS claim_ivs
WITH h, contact_ivs + [x IN claim_ivs WHERE x.agency IS NOT NULL] AS ivs
WITH h, ivs,
     [s IN ivs | {at: s.from,
                  agencies: reduce(acc = [], x IN ivs |
                    CASE WHEN x.from <= s.from AND x.to >= s.from AND NOT x.agency IN acc THEN acc + x.agency
                         ELSE acc END)}] AS points
WITH h, ivs, [p IN points WHERE size(p.agencies) >= $min_agencies] AS hits
WHERE size(hits) > 0
WITH h, ivs, reduce(best = hits[0], p IN hits | CASE WHEN p.at < best.at THEN p ELSE best END) AS hit
WITH h, ivs, hit, [x IN ivs WHERE x.from <= hit.at AND x.to >= hit.at] AS active
WITH h AS a, ivs, hit, active
RETURN head([x IN active | x.resident_id]) AS resident_id, a.uprn AS uprn,
       CASE WHEN $access_personal THEN a.address_text ELSE a.ward END AS address, a.ward AS ward,
       size(hit.agencies) AS agencies_at_once, hit.agencies AS agencies, hit.at AS at,
       reduce(acc = [], x IN ivs | CASE WHEN x.resident_id IN acc THEN acc ELSE acc + x.resident_id END)
         AS resident_ids,
       toString(size(hit.agencies)) + ' agencies were involved with this household at the same time, on '
         + hit.at + ': ' + reduce(s = '', g IN hit.agencies | s + CASE WHEN s = '' THEN '' ELSE ', ' END + g)
         + '.' AS reason,
       [x IN active | {source_system: x.agency, record_id: x.record_id, date: x.from, fact: x.fact}] AS evidence
ORDER BY agencies_at_once DESC, at DESC, uprn
LIMIT $limit
