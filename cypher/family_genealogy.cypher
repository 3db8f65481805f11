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
  AND all(n IN nodes(p) WHERE ($access_sealed OR NOT coalesce(n.sealed, false)) AND ($access_opt_out OR NOT coalesce(n.opt_out, false)))
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
WITH r, x, relation, generation, size(es) AS hops, ns,
     collect(DISTINCT {source_system: e.source_system,
                       record_id: CASE WHEN $access_personal THEN e.record_id END, date: null,
                       fact: type(e) + ' link recorded by ' + e.source_system}) AS evidence,
     CASE WHEN size(ns) = 3 THEN ns[1].resident_id END AS via
WITH r, x, collect(DISTINCT {relation: relation, generation: generation, hops: hops}) AS ways,
     collect(evidence) AS evs, collect(DISTINCT via) AS via
// a person reached several ways keeps the closest description (a parent before a step-parent)
WITH r, x, ways, reduce(b = head(ways), w IN ways | CASE WHEN w.hops < b.hops THEN w ELSE b END) AS best,
     reduce(a = [], l IN evs | a + [v IN l WHERE NOT v IN a]) AS evidence, via
WITH r, x, best.relation AS relation, best.generation AS generation, best.hops AS hops,
     reduce(a = [], w IN ways | CASE WHEN w.relation IN a THEN a ELSE a + w.relation END) AS relations,
     evidence, CASE WHEN best.hops = 1 THEN [] ELSE via END AS via
// a relative living at a protected address (refuge): their ward would point to it
OPTIONAL MATCH (xh:Address {uprn: coalesce(x.uprn, '')})
RETURN CASE WHEN $access_personal THEN x.resident_id END AS resident_id, x.pseudonym AS pseudonym, relation, generation,
       CASE WHEN $access_personal THEN x.full_name ELSE x.pseudonym END AS name,
       x.birth_year AS birth_year, CASE WHEN $access_personal THEN x.dob END AS dob, x.sex AS sex,
       CASE WHEN coalesce(xh.protected, false) THEN null ELSE x.ward END AS ward, via AS via_resident_ids, relations AS also_recorded_as,
       (CASE WHEN $access_personal THEN x.full_name ELSE x.pseudonym END) + ' is recorded as the ' + relation + ' of '
         + (CASE WHEN $access_personal THEN r.full_name ELSE r.pseudonym END)
         + CASE WHEN size(via) > 0 THEN ' (through ' + toString(size(via)) + ' intermediate relative(s))' ELSE '' END
         + '.' AS reason,
       evidence
ORDER BY generation, relation, birth_year
