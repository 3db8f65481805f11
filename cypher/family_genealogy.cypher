// name: family_genealogy
// title: Family tree of a person
// description: A person's recorded family up to grandparents and grandchildren: parents, grandparents,
// description: children, grandchildren, partners, siblings (recorded directly or through a shared parent),
// description: step-parents and step-children, with the source records that evidence each link.
// category: question
// roles: social_worker, fraud_investigator, analyst, ig_officer
// mode: read
// param: resident_id string | the person
// example: residex query family_genealogy -p resident_id=R00000104
MATCH (r:Resident {resident_id: $resident_id})
MATCH p = (r)-[:PARENT_OF|PARTNER_OF|SIBLING_OF*1..2]-(x:Resident)
WHERE x <> r AND all(e IN relationships(p) WHERE e.source_system IN $access_sources)
WITH r, x, p, nodes(p) AS ns, relationships(p) AS es
WITH r, x, p, ns, es,
     [i IN range(0, size(es) - 1) |
       CASE type(es[i]) WHEN 'PARENT_OF' THEN (CASE WHEN startNode(es[i]) = ns[i] THEN 'child' ELSE 'parent' END)
                        WHEN 'PARTNER_OF' THEN 'partner' ELSE 'sibling' END] AS steps
WITH r, x, ns, es,
     CASE reduce(s = '', t IN steps | s + '/' + t)
       WHEN '/parent' THEN 'parent' WHEN '/child' THEN 'child' WHEN '/partner' THEN 'partner'
       WHEN '/sibling' THEN 'sibling' WHEN '/parent/parent' THEN 'grandparent' WHEN '/child/child' THEN 'grandchild'
       WHEN '/parent/child' THEN 'sibling' WHEN '/sibling/sibling' THEN 'sibling'
       WHEN '/parent/partner' THEN 'step-parent' WHEN '/partner/child' THEN 'step-child'
       WHEN '/child/parent' THEN 'co-parent' ELSE null END AS relation,
     CASE reduce(s = '', t IN steps | s + '/' + t)
       WHEN '/parent/parent' THEN -2 WHEN '/parent' THEN -1 WHEN '/parent/partner' THEN -1
       WHEN '/child' THEN 1 WHEN '/partner/child' THEN 1 WHEN '/child/child' THEN 2 ELSE 0 END AS generation
WHERE relation IS NOT NULL
UNWIND es AS e
WITH r, x, relation, generation, ns,
     collect(DISTINCT {source_system: e.source_system, record_id: e.record_id, date: null,
                       fact: type(e) + ' link recorded by ' + e.source_system}) AS evidence,
     collect(DISTINCT CASE WHEN size(ns) = 3 THEN ns[1].resident_id END) AS via
WITH r, x, generation, collect(DISTINCT relation) AS relations, collect(evidence) AS evs, collect(via) AS vias
// a person reached several ways keeps its closest description (a sibling before a co-parent, etc.)
WITH r, x, generation, relations[0] AS relation, relations,
     reduce(a = [], l IN evs | a + [v IN l WHERE NOT v IN a]) AS evidence,
     reduce(a = [], l IN vias | a + [v IN l WHERE NOT v IN a]) AS via
RETURN x.resident_id AS resident_id, relation, generation,
       CASE WHEN $access_personal THEN x.full_name ELSE x.pseudonym END AS name,
       x.birth_year AS birth_year, CASE WHEN $access_personal THEN x.dob END AS dob, x.sex AS sex,
       x.ward AS ward, via AS via_resident_ids, relations AS also_recorded_as,
       (CASE WHEN $access_personal THEN x.full_name ELSE x.pseudonym END) + ' is recorded as the ' + relation + ' of '
         + (CASE WHEN $access_personal THEN r.full_name ELSE r.pseudonym END)
         + CASE WHEN size(via) > 0 THEN ' (through ' + toString(size(via)) + ' intermediate relative(s))' ELSE '' END
         + '.' AS reason,
       evidence
ORDER BY generation, relation, birth_year
