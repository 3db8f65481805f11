// name: address_history
// title: Everyone linked to a dwelling over time
// description: Every person registered at, or claiming at, a dwelling in any visible source, with the
// description: first and last dates each source shows them there and whether they are there now.
// category: question
// roles: fraud_investigator, social_worker, analyst, ig_officer
// mode: read
// param: uprn string | the dwelling (UPRN)
// example: residex query address_history -p uprn=100023006903
MATCH (a:Address {uprn: $uprn})<-[l:LIVES_AT|CLAIMS]-(r:Resident)
WHERE l.source_system IN $access_sources AND NOT coalesce(a.protected, false) AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
WITH a, r, collect(l) AS links
WITH a, r, links,
     reduce(m = '9999-12-31', l IN links | CASE WHEN l.from_date IS NOT NULL AND l.from_date < m THEN l.from_date ELSE m END) AS first_seen,
     reduce(m = '', l IN links | CASE WHEN l.to_date IS NULL OR coalesce(l.current, false) THEN 'now'
                                      WHEN m <> 'now' AND l.to_date > m THEN l.to_date ELSE m END) AS last_seen
RETURN CASE WHEN $access_personal THEN r.resident_id END AS resident_id,
       CASE WHEN $access_personal THEN a.uprn END AS uprn, r.pseudonym AS pseudonym,
       CASE WHEN $access_personal THEN r.full_name ELSE r.pseudonym END AS name,
       r.birth_year AS birth_year,
       CASE WHEN $access_personal THEN a.address_text ELSE a.ward END AS address, a.ward AS ward,
       CASE WHEN first_seen = '9999-12-31' THEN null ELSE first_seen END AS first_seen,
       CASE WHEN last_seen IN ['', 'now'] THEN null ELSE last_seen END AS last_seen,
       last_seen = 'now' AS current,
       reduce(s = [], l IN links | CASE WHEN l.source_system IN s THEN s ELSE s + l.source_system END) AS sources,
       (CASE WHEN $access_personal THEN r.full_name ELSE r.pseudonym END) + ' linked to the dwelling'
         + CASE WHEN first_seen = '9999-12-31' THEN '' ELSE ' from ' + first_seen END
         + CASE WHEN last_seen = 'now' THEN ' to now' WHEN last_seen = '' THEN '' ELSE ' to ' + last_seen END
         + ' by ' + toString(size(links)) + ' record(s).' AS reason,
       [l IN links | {source_system: l.source_system, record_id: CASE WHEN $access_personal THEN l.record_id END, date: l.from_date,
                      fact: CASE WHEN type(l) = 'CLAIMS' THEN coalesce(l.claim_type, 'claim') ELSE 'registered' END
                            + CASE WHEN l.to_date IS NULL THEN '' ELSE ' until ' + l.to_date END}] AS evidence
ORDER BY coalesce(first_seen, '9999'), resident_id
