// name: school_address_fraud
// title: School place obtained with an address the family never lived at
// description: School places whose admission address is a dwelling where neither the pupil nor a parent
// description: or household member has ever been registered by any other system (GP, council tax,
// description: electoral register, housing...), while on the admission date the pupil was already
// description: registered at another address. A family that lived at the admission address and moved
// description: later (registered at the new home only after the admission) is not flagged.
// category: detector
// roles: fraud_investigator, analyst, ig_officer
// mode: read
// param: limit int = 500 | most pupils returned
// example: residex query school_address_fraud
MATCH ()-[p:CLAIMS]->()
WHERE p.claim_type = 'school_place' AND p.source_system IN $access_sources
// the school places first, through the claim-type index, then each pupil's registrations: the ends are
// named after the WITH (a labelled end made FalkorDB scan that label and probe the index once per node)
WITH startNode(p) AS k, p, endNode(p) AS x
WHERE NOT coalesce(x.protected, false) AND ($access_sealed OR NOT coalesce(k.sealed, false)) AND ($access_opt_out OR NOT coalesce(k.opt_out, false))
MATCH (k)-[h:LIVES_AT]->(home:Address)
WHERE h.source_system IN $access_sources AND h.source_system <> p.source_system
  AND h.from_date <= p.from_date AND coalesce(h.to_date, '9999-12-31') >= p.from_date
WITH k, p, x, h, home
WHERE home.uprn <> x.uprn AND NOT coalesce(home.protected, false)
WITH k, p, x, collect(DISTINCT home) AS homes,
     collect({source_system: h.source_system, record_id: h.record_id, date: h.from_date,
              fact: 'pupil registered at '
                    + (CASE WHEN $access_personal THEN home.address_text ELSE 'an address in ' + coalesce(home.ward, 'an unknown ward') END)
                    + ' from ' + coalesce(h.from_date, 'an unknown date')
                    + CASE WHEN h.to_date IS NULL THEN '' ELSE ' to ' + h.to_date END}) AS home_ev
OPTIONAL MATCH (k)<-[pe:PARENT_OF]-(par:Resident)
WHERE pe.source_system IN $access_sources
WITH k, p, x, homes, home_ev, collect(DISTINCT par) AS parents
OPTIONAL MATCH (k)-[:MEMBER_OF]->(:Household)<-[:MEMBER_OF]-(hm:Resident)
WITH k, p, x, homes, home_ev, parents, collect(DISTINCT hm) AS household
WITH k, p, x, homes, home_ev, parents, [k] + parents + [m IN household WHERE NOT m IN parents AND m <> k] AS family
// anyone in the family ever registered at the admission address, by a source other than the school
// (or a record there that the index could not link but that matches a family member: same surname and
// initial, no conflicting date of birth, e.g. an old council tax account in the name 'JONES, T')
UNWIND family AS m
OPTIONAL MATCH (o:Resident)-[l:LIVES_AT]->(x)
WHERE l.source_system <> p.source_system
  AND (o = m OR (o.last_name = m.last_name AND substring(o.first_name, 0, 1) = substring(m.first_name, 0, 1)
                 AND (o.dob IS NULL OR m.dob IS NULL OR o.dob = m.dob)))
WITH k, p, x, homes, home_ev, parents, family, count(l) AS lived_there
WHERE lived_there = 0
RETURN k.resident_id AS resident_id, x.uprn AS uprn,
       CASE WHEN $access_personal THEN k.full_name ELSE k.pseudonym END AS pupil,
       CASE WHEN $access_personal THEN x.address_text ELSE x.ward END AS admission_address, x.ward AS ward,
       p.from_date AS admission_date, [hh IN homes | hh.uprn] AS home_uprns,
       [m IN parents | m.resident_id] AS parent_resident_ids,
       'School place obtained on ' + coalesce(p.from_date, 'an unknown date')
         + ' with an admission address where no one in the family (' + toString(size(family))
         + ' people checked) has ever been registered by another system; on that date the pupil was registered at '
         + toString(size(homes)) + ' other address(es).' AS reason,
       [{source_system: p.source_system, record_id: p.record_id, date: p.from_date,
         fact: 'school place with admission address '
               + (CASE WHEN $access_personal THEN x.address_text ELSE 'in ' + coalesce(x.ward, 'an unknown ward') END)}]
         + home_ev AS evidence
ORDER BY admission_date DESC, resident_id
LIMIT $limit
