// name: app_expand_resident
// title: Neighbours of a resident (network view)
// description: One row per kind of link from a resident: addresses, claims, family, household, agency
// description: contacts and source records, each capped at $cap items with the full count, filtered by
// description: the source systems the session may see and the node kinds its role may see. Facts carry the
// description: match probability of the source record that states them (uncertain links can be hidden).
// category: app
// roles: fraud_investigator, social_worker, ig_officer
// mode: read
// param: resident_id string | the resident
// param: kinds list | node kinds the role may see (set by the web app from webapp/views.yaml)
// param: cap int = 25 | most items per kind of link
MATCH (r:Resident {resident_id: $resident_id})
WITH r
MATCH (r)-[l:LIVES_AT]->(a:Address)
WHERE $access_personal AND 'Address' IN $kinds AND l.source_system IN $access_sources AND NOT coalesce(a.protected, false)
  AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
OPTIONAL MATCH (sr:SourceRecord {record_key: l.source_system + ':' + l.record_id})
WITH l, a, sr.match_probability AS conf
WITH collect({rel: {type: 'LIVES_AT', out: true, from_date: l.from_date, to_date: l.to_date, current: l.current,
                    source_system: l.source_system, record_id: l.record_id, match_probability: conf},
              node: {label: 'Address', key: a.uprn, address_text: CASE WHEN a.protected THEN null ELSE a.address_text END,
                     postcode: CASE WHEN a.protected THEN null ELSE a.postcode END, ward: a.ward,
                     protected: coalesce(a.protected, false)}}) AS items
RETURN 'LIVES_AT' AS part, items[..$cap] AS items, size(items) AS total
UNION ALL
MATCH (r:Resident {resident_id: $resident_id})
WITH r
MATCH (r)-[c:CLAIMS]->(a:Address)
WHERE $access_personal AND 'Address' IN $kinds AND c.source_system IN $access_sources AND NOT coalesce(a.protected, false)
  AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
OPTIONAL MATCH (sr:SourceRecord {record_key: c.source_system + ':' + c.record_id})
WITH c, a, sr.match_probability AS conf
WITH collect({rel: {type: 'CLAIMS', out: true, claim_type: c.claim_type, from_date: c.from_date, to_date: c.to_date,
                    source_system: c.source_system, record_id: c.record_id, match_probability: conf},
              node: {label: 'Address', key: a.uprn, address_text: CASE WHEN a.protected THEN null ELSE a.address_text END,
                     postcode: CASE WHEN a.protected THEN null ELSE a.postcode END, ward: a.ward,
                     protected: coalesce(a.protected, false)}}) AS items
RETURN 'CLAIMS' AS part, items[..$cap] AS items, size(items) AS total
UNION ALL
MATCH (r:Resident {resident_id: $resident_id})
WITH r
MATCH (r)-[f:PARENT_OF|PARTNER_OF|SIBLING_OF]-(o:Resident)
WHERE $access_personal AND f.source_system IN $access_sources AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false)) AND ($access_sealed OR NOT coalesce(o.sealed, false)) AND ($access_opt_out OR NOT coalesce(o.opt_out, false))
OPTIONAL MATCH (sr:SourceRecord {record_key: f.source_system + ':' + f.record_id})
WITH f, o, sr.match_probability AS conf
WITH collect({rel: {type: type(f), out: startNode(f).resident_id = $resident_id,
                    source_system: f.source_system, record_id: f.record_id, match_probability: conf},
              node: {label: 'Resident', key: o.resident_id, name: o.full_name, dob: o.dob,
                     deceased: coalesce(o.deceased, false)}}) AS items
RETURN 'FAMILY' AS part, items[..$cap] AS items, size(items) AS total
UNION ALL
MATCH (r:Resident {resident_id: $resident_id})
WITH r
MATCH (r)-[:MEMBER_OF]->(h:Household)
OPTIONAL MATCH (h)-[:OCCUPIES]->(ha:Address)
WITH r, h, ha
WHERE NOT coalesce(ha.protected, false) AND $access_personal AND 'Household' IN $kinds AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
WITH collect({rel: {type: 'MEMBER_OF', out: true},
              node: {label: 'Household', key: h.household_id,
                     size: size([(h)<-[:MEMBER_OF]-(m:Resident) WHERE any(x IN coalesce(m.sources, []) WHERE x IN $access_sources) AND ($access_sealed OR NOT coalesce(m.sealed, false)) AND ($access_opt_out OR NOT coalesce(m.opt_out, false)) | m.resident_id])}}) AS items
RETURN 'MEMBER_OF' AS part, items[..$cap] AS items, size(items) AS total
UNION ALL
MATCH (r:Resident {resident_id: $resident_id})
WITH r
MATCH (r)-[:HAD_CONTACT]->(c:AgencyContact)
WHERE $access_personal AND 'AgencyContact' IN $kinds AND c.source_system IN $access_sources AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
WITH c ORDER BY c.contact_date DESC
WITH collect({rel: {type: 'HAD_CONTACT', out: true, date: c.contact_date, source_system: c.source_system,
                    record_id: c.record_id},
              node: {label: 'AgencyContact', key: c.contact_id, agency: c.agency, contact_type: c.contact_type,
                     contact_date: c.contact_date, source_system: c.source_system}}) AS items
RETURN 'HAD_CONTACT' AS part, items[..$cap] AS items, size(items) AS total
UNION ALL
MATCH (r:Resident {resident_id: $resident_id})
WITH r
MATCH (r)<-[m:RESOLVES_TO]-(sr:SourceRecord)
WHERE $access_personal AND 'SourceRecord' IN $kinds AND sr.source_system IN $access_sources AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
WITH collect({rel: {type: 'RESOLVES_TO', out: false,
                    match_probability: coalesce(m.match_probability, sr.match_probability),
                    source_system: sr.source_system, record_id: sr.record_id},
              node: {label: 'SourceRecord', key: sr.record_key, source_system: sr.source_system,
                     record_id: sr.record_id, name: sr.first_name + ' ' + sr.last_name, dob: sr.dob,
                     record_date: sr.record_date}}) AS items
RETURN 'RESOLVES_TO' AS part, items[..$cap] AS items, size(items) AS total
