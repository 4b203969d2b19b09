-- pg_ivm's call form (IMMEDIATE by default): view counts over a keyless event table.
SELECT create_immv('popular_pages',
    'SELECT lower(path) AS path, count(*) AS views, count(referrer) AS referred, max(duration_ms) AS longest
     FROM page_views
     GROUP BY lower(path)');
