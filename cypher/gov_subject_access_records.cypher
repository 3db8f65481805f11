// name: gov_subject_access_records
// title: Subject access: source records
// description: Every source record that resolves to the data subject, with the match probability that
// description: linked it and the dwelling its address was matched to. The address of a record that
// description: places the subject at another person's protected address (refuge) is withheld.
// category: app
// roles: ig_officer
// mode: read
// restrictions: the subject access report: the subject may be sealed or opted out and must still be reported under the subject_access purpose; sealed relatives and others' protected addresses are withheld in the query itself
// param: resident_id string | the data subject
MATCH (r:Resident {resident_id: $resident_id})
WHERE $access_personal AND ($access_sealed OR NOT coalesce(r.sealed, false))
OPTIONAL MATCH (r)-[cur:LIVES_AT]->(ca:Address)
WHERE cur.current
WITH r, [u IN collect(ca.uprn) + [r.uprn] WHERE u IS NOT NULL] AS own
MATCH (r)<-[m:RESOLVES_TO]-(sr:SourceRecord)
WHERE sr.source_system IN $access_sources
OPTIONAL MATCH (r)-[l:LIVES_AT {source_system: sr.source_system, record_id: sr.record_id}]->(la:Address)
WITH r, own, m, sr, collect(DISTINCT la) AS matched
OPTIONAL MATCH (ra:Address {uprn: sr.uprn})
WITH m, sr, matched, matched + collect(DISTINCT ra) AS places, own
WITH m, sr, matched, any(p IN places WHERE coalesce(p.protected, false) AND NOT p.uprn IN own) AS withheld
RETURN sr.record_key AS record_key, sr.source_system AS source_system, sr.record_id AS record_id,
       coalesce(m.match_probability, sr.match_probability) AS match_probability,
       sr.first_name AS first_name, sr.last_name AS last_name, sr.dob AS dob, sr.record_date AS record_date,
       CASE WHEN withheld THEN null ELSE sr.address_text END AS address_text,
       CASE WHEN withheld THEN null ELSE sr.postcode END AS postcode,
       CASE WHEN withheld THEN null ELSE sr.uprn END AS uprn,
       CASE WHEN withheld THEN [] ELSE [p IN matched | p.uprn] END AS matched_uprns,
       withheld AS address_withheld
ORDER BY source_system, record_id
