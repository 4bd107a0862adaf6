-- AI assistants against search engines: sessions, macro conversions and conversion rate.
-- params: site, from, to
-- `search` adds organic and paid search. Days are UTC `YYYY-MM-DD`, both ends inclusive.
SELECT CASE WHEN channel = 'ai_assistant' THEN 'ai_assistant'
            WHEN channel IN ('organic_search', 'paid_search') THEN 'search'
            ELSE 'everything_else' END AS segment,
       CAST(SUM(sessions) AS BIGINT) AS sessions,
       CAST(SUM(conversions) AS BIGINT) AS conversions,
       CASE WHEN SUM(sessions) > 0
            THEN CAST(SUM(conversions) AS DOUBLE PRECISION) / CAST(SUM(sessions) AS DOUBLE PRECISION)
       END AS conversion_rate
FROM daily_traffic
WHERE (:site IS NULL OR site = :site)
  AND (:from IS NULL OR day >= :from)
  AND (:to IS NULL OR day <= :to)
GROUP BY 1
ORDER BY 1
