-- Research sites. The code appears in study IDs (<prefix>-<SITE>-<NNNN>).
CREATE TABLE registry.site (
  code       text PRIMARY KEY
             CONSTRAINT site_code_format CHECK (code ~ '^[A-Z][A-Z0-9]{1,7}$'),
  name       text NOT NULL
             CONSTRAINT site_name_length CHECK (length(btrim(name)) BETWEEN 1 AND 200
                                                AND name !~ '[[:cntrl:]]'),
  country    text
             CONSTRAINT site_country_format CHECK (country ~ '^[A-Z]{2}$'),
  created_at timestamptz NOT NULL DEFAULT now()
);
SELECT audit.enable('registry.site', 'code');
