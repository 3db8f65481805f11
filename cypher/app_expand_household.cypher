// name: app_expand_household
// title: Neighbours of a household (network view)
// description: The members of a household who have a record in a source the session may see, and the
// description: dwelling it occupies; capped at $cap with the full count. The SELF row carries the
// description: household's own properties.
// category: app
// roles: fraud_investigator, social_worker, ig_officer
// mode: read
// param: household_id string | the household
// param: kinds list | node kinds the role may see (set by the web app from webapp/views.yaml)
// param: cap int = 25 | most items per kind of link
MATCH (h:Household {household_id: $household_id})
// a household at a protected address (refuge) is not shown: its ID and dwelling would locate it
OPTIONAL MATCH (h)-[:OCCUPIES]->(ha:Address)
WITH h, coalesce(ha.protected, false) AS at_refuge
WITH h WHERE NOT at_refuge
MATCH (h)<-[:MEMBER_OF]-(r:Resident)
WHERE $access_personal AND any(s IN coalesce(r.sources, []) WHERE s IN $access_sources) AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
WITH collect({rel: {type: 'MEMBER_OF', out: false},
              node: {label: 'Resident', key: r.resident_id, name: r.full_name, dob: r.dob,
                     deceased: coalesce(r.deceased, false)}}) AS items
RETURN 'MEMBER_OF' AS part, items[..$cap] AS items, size(items) AS total
UNION ALL
MATCH (h:Household {household_id: $household_id})
// a household at a protected address (refuge) is not shown: its ID and dwelling would locate it
OPTIONAL MATCH (h)-[:OCCUPIES]->(ha:Address)
WITH h, coalesce(ha.protected, false) AS at_refuge
WITH h WHERE NOT at_refuge
MATCH (h)-[:OCCUPIES]->(a:Address)
WHERE $access_personal AND 'Address' IN $kinds AND NOT coalesce(a.protected, false)
WITH collect({rel: {type: 'OCCUPIES', out: true},
              node: {label: 'Address', key: a.uprn, address_text: CASE WHEN a.protected THEN null ELSE a.address_text END,
                     postcode: CASE WHEN a.protected THEN null ELSE a.postcode END, ward: a.ward,
                     protected: coalesce(a.protected, false)}}) AS items
RETURN 'OCCUPIES' AS part, items[..$cap] AS items, size(items) AS total
UNION ALL
MATCH (h:Household {household_id: $household_id})
// a household at a protected address (refuge) is not shown: its ID and dwelling would locate it
OPTIONAL MATCH (h)-[:OCCUPIES]->(ha:Address)
WITH h, coalesce(ha.protected, false) AS at_refuge
WHERE $access_personal AND NOT at_refuge
RETURN 'SELF' AS part,
       [{rel: null, node: {label: 'Household', key: h.household_id,
                           size: size([(h)<-[:MEMBER_OF]-(m:Resident) WHERE any(x IN coalesce(m.sources, []) WHERE x IN $access_sources) AND ($access_sealed OR NOT coalesce(m.sealed, false)) AND ($access_opt_out OR NOT coalesce(m.opt_out, false)) | m.resident_id])}}] AS items, 1 AS total
