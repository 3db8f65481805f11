// name: app_family
// title: Family links around a resident
// description: Parent, partner and sibling links up to three steps from a resident, across households,
// description: each evidenced by a source system the session may see.
// category: app
// roles: fraud_investigator, social_worker, ig_officer
// mode: read
// param: resident_id string | the resident
MATCH (r:Resident {resident_id: $resident_id})
WITH r
MATCH p = (r)-[:PARENT_OF|PARTNER_OF|SIBLING_OF*1..3]-(:Resident)
WHERE $access_personal AND all(x IN relationships(p) WHERE x.source_system IN $access_sources)
  AND all(n IN nodes(p) WHERE ($access_sealed OR NOT coalesce(n.sealed, false)) AND ($access_opt_out OR NOT coalesce(n.opt_out, false)))
UNWIND relationships(p) AS rel
WITH DISTINCT rel
RETURN startNode(rel).resident_id AS from_id, endNode(rel).resident_id AS to_id, type(rel) AS type,
       rel.source_system AS source_system, rel.record_id AS record_id
