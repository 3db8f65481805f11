// name: person_timeline
// title: Timeline of a person's agency contacts
// description: Every dated contact, claim and registration recorded for a person, oldest first: agency
// description: contacts (police, social care, 999, health, education), claims (benefits, discounts,
// description: tenancies, school places) and address registrations, each with its source record.
// category: question
// roles: social_worker, fraud_investigator, analyst, ig_officer
// mode: read
// param: resident_id string | the person
// param: since date = null | only events on or after this date
// param: include_addresses bool = true | include address registrations
// example: residex query person_timeline -p resident_id=R00000104 -p since=2020-01-01
MATCH (r:Resident {resident_id: $resident_id})-[x:HAD_CONTACT|CLAIMS|LIVES_AT]->(n)
WHERE ($include_addresses OR type(x) <> 'LIVES_AT') AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
WITH r, x, n,
     CASE WHEN type(x) = 'HAD_CONTACT' THEN n.source_system ELSE x.source_system END AS source_system,
     CASE WHEN type(x) = 'HAD_CONTACT' THEN n.record_id ELSE x.record_id END AS record_id,
     CASE WHEN type(x) = 'HAD_CONTACT' THEN n.contact_date ELSE x.from_date END AS date,
     CASE WHEN type(x) = 'HAD_CONTACT' THEN null ELSE x.to_date END AS to_date
WHERE source_system IN $access_sources AND ($since IS NULL OR date >= $since)
WITH r, x, n, source_system, record_id, date, to_date,
     CASE type(x) WHEN 'HAD_CONTACT' THEN 'contact' WHEN 'CLAIMS' THEN 'claim' ELSE 'address' END AS kind,
     CASE type(x) WHEN 'HAD_CONTACT' THEN coalesce(n.agency, source_system) + ': ' + coalesce(n.contact_type, 'contact')
                                          + CASE WHEN n.role IS NULL THEN '' ELSE ' (' + n.role + ')' END
                  WHEN 'CLAIMS' THEN coalesce(x.claim_type, 'claim') + ' at '
                                     + (CASE WHEN coalesce(n.protected, false) THEN 'a protected address'
                                            WHEN $access_personal THEN n.address_text ELSE 'a dwelling in ' + coalesce(n.ward, 'an unknown ward') END)
                  ELSE 'registered at ' + (CASE WHEN coalesce(n.protected, false) THEN 'a protected address'
                                            WHEN $access_personal THEN n.address_text ELSE 'a dwelling in ' + coalesce(n.ward, 'an unknown ward') END)
                  END AS what
RETURN r.resident_id AS resident_id,
       CASE WHEN type(x) = 'HAD_CONTACT' OR coalesce(n.protected, false) OR NOT $access_personal THEN null
            ELSE n.uprn END AS uprn,
       date, to_date, kind, source_system,
       CASE WHEN type(x) = 'HAD_CONTACT' THEN n.agency ELSE source_system END AS agency,
       what, CASE WHEN $access_personal THEN record_id END AS record_id,
       coalesce(date, 'Undated') + ': ' + what + CASE WHEN to_date IS NULL THEN '' ELSE ' (until ' + to_date + ')' END
         + ' - ' + source_system + CASE WHEN $access_personal THEN ' record ' + record_id ELSE '' END + '.' AS reason,
       [{source_system: source_system, record_id: CASE WHEN $access_personal THEN record_id END, date: date, fact: what}] AS evidence
ORDER BY coalesce(date, '0000'), kind, source_system, record_id
