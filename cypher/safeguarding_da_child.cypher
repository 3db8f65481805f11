// name: safeguarding_da_child
// title: Child living with an adult known for domestic abuse
// description: Children who live now at the same dwelling as an adult recorded by the police as the suspect
// description: in a domestic-abuse incident, and who were under 18 at the last incident (born before it).
// description: Where the police record does not say the person's role, any domestic-abuse contact counts.
// description: Someone lives at a dwelling when a current registration puts them there and no later current
// description: registration puts them elsewhere. Children living now where one of the incidents happened (the
// description: police record's address) count too, as the suspect may still be there unregistered;
// description: adult_lives_there and the reason say which.
// category: detector
// roles: social_worker, analyst, ig_officer
// mode: read
// param: since date = null | only incidents on or after this date (default: all)
// param: limit int = 500 | most adults returned
// example: residex query safeguarding_da_child -p since=2023-01-01
WITH toString(toInteger(substring($today, 0, 4)) - 18) + substring($today, 4) AS child_dob
MATCH (s:Resident)-[:HAD_CONTACT]->(c:AgencyContact)
WHERE c.source_system IN $access_sources AND c.agency = 'police' AND c.contact_type STARTS WITH 'Domestic abuse'
  AND ($access_sealed OR NOT coalesce(s.sealed, false)) AND ($access_opt_out OR NOT coalesce(s.opt_out, false))
  AND coalesce(c.role, 'Suspect') IN ['Suspect', 'Offender', 'Perpetrator']
  AND ($since IS NULL OR c.contact_date >= $since)
  AND coalesce(s.dob, '0000-00-00') <= child_dob
WITH child_dob, s, collect(c) AS incidents
WITH child_dob, s, incidents,
     reduce(m = '', c IN incidents | CASE WHEN c.contact_date > m THEN c.contact_date ELSE m END) AS last_incident
// where the adult lives now
// where the adult lives now, or where one of the incidents happened (the police record's own address)
MATCH (s)-[l:LIVES_AT]->(a:Address)
WHERE l.source_system IN $access_sources AND NOT coalesce(a.protected, false)
  AND (l.current OR (l.source_system = 'police_contacts' AND l.record_id IN [c IN incidents | c.record_id]))
WITH child_dob, s, incidents, last_incident, a, l
WHERE (l.current AND none(x IN coalesce(l.superseded_by, []) WHERE x IN $access_sources))
   OR (l.source_system = 'police_contacts' AND l.record_id IN [c IN incidents | c.record_id])
WITH child_dob, s, incidents, last_incident, a,
     max(CASE WHEN l.current AND none(x IN coalesce(l.superseded_by, []) WHERE x IN $access_sources)
              THEN 1 ELSE 0 END) AS lives_there
// children living there now
MATCH (k:Resident)-[kl:LIVES_AT]->(a)
WHERE k <> s AND kl.current AND kl.source_system IN $access_sources AND k.dob < last_incident
  AND ($access_sealed OR NOT coalesce(k.sealed, false)) AND ($access_opt_out OR NOT coalesce(k.opt_out, false))
  AND k.dob > toString(toInteger(substring(last_incident, 0, 4)) - 18) + substring(last_incident, 4)
WITH child_dob, s, incidents, last_incident, a, lives_there, k, kl
WHERE none(x IN coalesce(kl.superseded_by, []) WHERE x IN $access_sources)
WITH child_dob, s, incidents, last_incident, a, lives_there, k, collect(kl)[0] AS kl
WITH child_dob, s, incidents, last_incident, a, lives_there, collect(k) AS children, collect(kl) AS child_regs
RETURN s.resident_id AS resident_id, a.uprn AS uprn,
       CASE WHEN $access_personal THEN s.full_name ELSE s.pseudonym END AS adult,
       CASE WHEN $access_personal THEN a.address_text ELSE a.ward END AS address, a.ward AS ward,
       size(incidents) AS incidents, last_incident, size(children) AS children,
       [k IN children | k.resident_id] AS child_resident_ids,
       [k IN children | CASE WHEN $access_personal THEN k.full_name ELSE k.pseudonym END] AS child_names,
       lives_there = 1 AS adult_lives_there,
       toString(size(children)) + ' child(ren) (under 18 at the time) live '
         + CASE WHEN lives_there = 1 THEN 'with an adult recorded in '
                ELSE 'at the address of a police incident, with no current registration there, of an adult recorded in ' END
         + toString(size(incidents)) + ' domestic-abuse incident(s), the last on ' + last_incident + '.' AS reason,
       size([k IN children WHERE k.dob > child_dob]) AS children_under_18_now,
       [c IN incidents | {source_system: c.source_system, record_id: c.record_id, date: c.contact_date,
                          fact: 'police: ' + c.contact_type + ' (' + coalesce(c.role, 'role not recorded') + ')'}]
         + [i IN range(0, size(children) - 1) | {source_system: child_regs[i].source_system,
              record_id: child_regs[i].record_id, date: child_regs[i].from_date,
              fact: 'child ' + (CASE WHEN $access_personal THEN children[i].full_name ELSE children[i].pseudonym END)
                    + ' registered at the same address'}] AS evidence
ORDER BY last_incident DESC, resident_id
LIMIT $limit
