// name: ego_network
// title: Network around a person
// description: The people and dwellings linked to a person, out to `depth` hops, through family links
// description: (parent, partner, sibling) and registrations or claims at dwellings. One row: `nodes` and
// description: `edges` (with type, dates, source record and the source record's match confidence) for the
// description: network view. A node with more than max_degree links (a care home, an HMO) is drawn but not
// description: expanded and is listed in `capped`; the whole network stops at max_nodes (`truncated`).
// category: question
// roles: fraud_investigator, social_worker, analyst, ig_officer
// mode: read
// param: resident_id string | the person at the centre
// param: depth int = 2 | hops out from the person (1 to 3)
// param: max_degree int = 40 | links above which a node is not expanded
// param: max_nodes int = 250 | most nodes returned
// example: residex query ego_network -p resident_id=R00000104 -p depth=2
MATCH (r:Resident {resident_id: $resident_id})
WHERE ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
WITH r, CASE WHEN $depth < 1 THEN 1 WHEN $depth > 3 THEN 3 ELSE $depth END AS depth
OPTIONAL MATCH (r)-[e:LIVES_AT|CLAIMS|PARENT_OF|PARTNER_OF|SIBLING_OF]-(n)
WHERE e.source_system IN $access_sources AND NOT coalesce(n.protected, false)
  AND ($access_sealed OR NOT coalesce(n.sealed, false)) AND ($access_opt_out OR NOT coalesce(n.opt_out, false))
WITH r, depth, collect(e) AS edges, collect(DISTINCT n) AS ring1
// hop 2
UNWIND (CASE WHEN depth >= 2 THEN ring1 ELSE [] END) + [null] AS f
OPTIONAL MATCH (f)-[e:LIVES_AT|CLAIMS|PARENT_OF|PARTNER_OF|SIBLING_OF]-(n)
WHERE e.source_system IN $access_sources AND NOT coalesce(n.protected, false)
  AND ($access_sealed OR NOT coalesce(n.sealed, false)) AND ($access_opt_out OR NOT coalesce(n.opt_out, false))
WITH r, depth, edges, ring1, f, collect(e) AS fe, collect(DISTINCT n) AS fn
WITH r, depth, edges, ring1,
     collect(CASE WHEN f IS NULL THEN null
                  WHEN size(fe) > $max_degree THEN {f: f, degree: size(fe)}
                  ELSE {f: f, es: fe, ns: fn} END) AS parts
WITH r, depth, edges + reduce(a = [], p IN parts | a + coalesce(p.es, [])) AS edges, ring1,
     [p IN parts WHERE p.degree IS NOT NULL | {node: p.f, degree: p.degree}] AS capped,
     reduce(a = [], p IN parts | a + [x IN coalesce(p.ns, []) WHERE NOT x IN a AND NOT x IN ring1 AND x <> r]) AS ring2
// hop 3
UNWIND (CASE WHEN depth >= 3 THEN ring2 ELSE [] END) + [null] AS f
OPTIONAL MATCH (f)-[e:LIVES_AT|CLAIMS|PARENT_OF|PARTNER_OF|SIBLING_OF]-(n)
WHERE e.source_system IN $access_sources AND NOT coalesce(n.protected, false)
  AND ($access_sealed OR NOT coalesce(n.sealed, false)) AND ($access_opt_out OR NOT coalesce(n.opt_out, false))
WITH r, depth, edges, ring1, ring2, capped, f, collect(e) AS fe, collect(DISTINCT n) AS fn
WITH r, depth, edges, ring1, ring2, capped,
     collect(CASE WHEN f IS NULL THEN null
                  WHEN size(fe) > $max_degree THEN {f: f, degree: size(fe)}
                  ELSE {f: f, es: fe, ns: fn} END) AS parts
WITH r, depth, edges + reduce(a = [], p IN parts | a + coalesce(p.es, [])) AS edges,
     capped + [p IN parts WHERE p.degree IS NOT NULL | {node: p.f, degree: p.degree}] AS capped,
     [[r], ring1, ring2,
      reduce(a = [], p IN parts | a + [x IN coalesce(p.ns, [])
                                        WHERE NOT x IN a AND NOT x IN ring1 AND NOT x IN ring2 AND x <> r])] AS rings
WITH r, depth, edges, capped,
     reduce(a = [], i IN range(0, size(rings) - 1) | a + [n IN rings[i] | {node: n, hop: i}]) AS all_nodes
WITH r, depth, edges, capped, all_nodes, all_nodes[0..$max_nodes] AS kept
WITH r, depth, capped, size(all_nodes) > size(kept) AS truncated, size(all_nodes) AS total_nodes, kept,
     [k IN kept | k.node] AS kept_nodes, edges
WITH r, depth, capped, truncated, total_nodes, kept,
     reduce(a = [], e IN edges | CASE WHEN e IN a OR NOT startNode(e) IN kept_nodes OR NOT endNode(e) IN kept_nodes
                                      THEN a ELSE a + [e] END) AS edges
UNWIND edges + [null] AS e
OPTIONAL MATCH (sr:SourceRecord {record_key: e.source_system + ':' + e.record_id})-[rt:RESOLVES_TO]->(:Resident)
WITH r, depth, capped, truncated, total_nodes, kept, e, max(rt.match_probability) AS confidence
WITH r, depth, capped, truncated, total_nodes, kept,
     collect(CASE WHEN e IS NULL THEN null ELSE {
       source: 'R:' + (CASE WHEN $access_personal THEN startNode(e).resident_id ELSE startNode(e).pseudonym END),
       target: CASE WHEN type(e) IN ['LIVES_AT', 'CLAIMS'] THEN 'A:' + (CASE WHEN $access_personal THEN endNode(e).uprn ELSE toString(id(endNode(e))) END) ELSE 'R:' + (CASE WHEN $access_personal THEN endNode(e).resident_id ELSE endNode(e).pseudonym END) END,
       type: type(e), claim_type: e.claim_type, from_date: e.from_date, to_date: e.to_date,
       current: e.current, source_system: e.source_system, record_id: CASE WHEN $access_personal THEN e.record_id END, confidence: confidence} END) AS edges
WITH r, depth, capped, truncated, total_nodes, edges, [c IN capped | c.node] AS capped_nodes,
     [k IN kept | {id: CASE WHEN k.node:Address THEN 'A:' + (CASE WHEN $access_personal THEN k.node.uprn ELSE toString(id(k.node)) END) ELSE 'R:' + (CASE WHEN $access_personal THEN k.node.resident_id ELSE k.node.pseudonym END) END,
                   kind: CASE WHEN k.node:Address THEN 'address' ELSE 'resident' END,
                   resident_id: CASE WHEN $access_personal THEN k.node.resident_id END, uprn: CASE WHEN k.node:Address AND $access_personal THEN k.node.uprn END,
                   label: CASE WHEN k.node:Address
                               THEN (CASE WHEN $access_personal THEN k.node.address_text ELSE 'Dwelling in ' + coalesce(k.node.ward, 'unknown ward') END)
                               ELSE (CASE WHEN $access_personal THEN k.node.full_name ELSE k.node.pseudonym END) END,
                   ward: CASE WHEN k.node:Address THEN k.node.ward END, birth_year: k.node.birth_year, property_type: k.node.property_type,
                   hop: k.hop}] AS nodes
RETURN CASE WHEN $access_personal THEN r.resident_id END AS resident_id,
       r.pseudonym AS pseudonym, depth, size(nodes) AS node_count, size(edges) AS edge_count, total_nodes,
       truncated, [c IN capped | {id: CASE WHEN c.node:Address THEN 'A:' + (CASE WHEN $access_personal THEN c.node.uprn ELSE toString(id(c.node)) END) ELSE 'R:' + (CASE WHEN $access_personal THEN c.node.resident_id ELSE c.node.pseudonym END) END,
                                  degree: c.degree}] AS capped,
       [n IN nodes | n {.*, capped: n.id IN [c IN capped | CASE WHEN c.node:Address THEN 'A:' + (CASE WHEN $access_personal THEN c.node.uprn ELSE toString(id(c.node)) END) ELSE 'R:' + (CASE WHEN $access_personal THEN c.node.resident_id ELSE c.node.pseudonym END) END]}] AS nodes,
       edges,
       toString(size(nodes)) + ' people and dwellings within ' + toString(depth) + ' hop(s)'
         + CASE WHEN size(capped) > 0 THEN '; ' + toString(size(capped)) + ' busy node(s) not expanded' ELSE '' END
         + CASE WHEN truncated THEN '; cut at ' + toString(size(nodes)) + ' of ' + toString(total_nodes) + ' nodes' ELSE '' END
         + '.' AS reason,
       [] AS evidence
